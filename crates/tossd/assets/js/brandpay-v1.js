/* v1 (/js/v1/brandpay): BrandPay(clientKey, customerKey, { redirectUrl }). */
(function (global) {
  "use strict";
  var create = global.__tossdBrandPay;
  delete global.__tossdBrandPay;
  global.BrandPay = function (clientKey, customerKey, options) {
    return create(clientKey, customerKey, options);
  };
})(window);
