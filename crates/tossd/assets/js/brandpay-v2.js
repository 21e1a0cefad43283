/* v2 standard (/js/v2/standard): TossPayments(clientKey).brandpay({ customerKey, redirectUrl }); amounts
 * are { currency: "KRW", value }. */
(function (global) {
  "use strict";
  var create = global.__tossdBrandPay;
  delete global.__tossdBrandPay;
  global.TossPayments = function (clientKey) {
    return {
      brandpay: function (options) {
        options = options || {};
        return create(clientKey, options.customerKey, { redirectUrl: options.redirectUrl });
      },
    };
  };
})(window);
