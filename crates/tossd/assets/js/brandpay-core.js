/* tossd's BrandPay SDK (docs/front-end.md#brandpay-sdk), written from Toss Payments' documented API.
 * The window is tossd's page /sim/brandpay/sdk in an iframe over the merchant's page; it reports each
 * outcome with postMessage, and this script resolves, rejects or redirects as Toss's SDK does. */
(function (global) {
  "use strict";
  var current = document.currentScript;
  var TOSSD = current && current.src ? new URL(current.src).origin : location.origin;

  function BrandPayError(code, message) {
    var error = new Error(message);
    error.name = "BrandPayError";
    error.code = code;
    return error;
  }

  function withQuery(url, params) {
    var u = new URL(url, location.href);
    Object.keys(params).forEach(function (k) { u.searchParams.set(k, params[k]); });
    return u.toString();
  }

  /* Opens the window for `action` and settles with what it reports. `onCode` receives a terms
   * agreement's code; the window goes on once it has been handed to the merchant's redirectUrl. */
  function openWindow(config, action, params) {
    return new Promise(function (resolve, reject) {
      var query = {
        clientKey: config.clientKey, customerKey: config.customerKey,
        redirectUrl: config.redirectUrl || "", origin: location.origin, action: action,
      };
      Object.keys(params || {}).forEach(function (k) {
        if (params[k] !== undefined && params[k] !== null) query[k] = String(params[k]);
      });
      var layer = document.createElement("div");
      layer.setAttribute("data-tossd-brandpay", "");
      layer.style.cssText = "position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.4);" +
        "display:flex;align-items:center;justify-content:center";
      var frame = document.createElement("iframe");
      frame.title = "브랜드페이";
      frame.style.cssText = "width:420px;max-width:100%;height:640px;max-height:100%;border:0;background:#fff";
      frame.src = withQuery(TOSSD + "/sim/brandpay/sdk", query);
      layer.appendChild(frame);

      function finish() {
        window.removeEventListener("message", onMessage);
        layer.remove();
      }
      function onMessage(event) {
        var data = event.data;
        if (event.origin !== TOSSD || event.source !== frame.contentWindow || !data || data.source !== "tossd-brandpay") return;
        if (data.type === "code") {
          // Toss's SDK calls the merchant's redirectUrl with the agreement's code; the merchant's server
          // exchanges it for the customer's access token.
          fetch(withQuery(config.redirectUrl, { code: data.code, customerKey: data.customerKey }), { credentials: "include" })
            .then(function (response) {
              if (!response.ok) throw new Error("redirectUrl answered " + response.status);
              frame.contentWindow.postMessage({ type: "code-delivered" }, TOSSD);
            })
            .catch(function (e) {
              finish();
              reject(BrandPayError("FAILED_REDIRECT_URL_CALL", "redirectUrl 호출에 실패했습니다. " + e.message));
            });
          return;
        }
        finish();
        if (data.type === "cancel") reject(BrandPayError("USER_CANCEL", "사용자가 결제를 취소하였습니다."));
        else if (data.type === "error") reject(BrandPayError(data.code, data.message));
        else if (data.type === "success") resolve({ paymentKey: data.paymentKey, orderId: data.orderId, amount: data.amount, methodId: data.methodId });
        else resolve(data.result);
      }
      window.addEventListener("message", onMessage);
      document.body.appendChild(layer);
    });
  }

  function amountOf(amount) {
    return amount !== null && typeof amount === "object" ? amount.value : amount;
  }

  function createBrandPay(clientKey, customerKey, options) {
    var config = { clientKey: clientKey, customerKey: customerKey, redirectUrl: (options || {}).redirectUrl };
    function check() {
      if (!config.redirectUrl) return BrandPayError("NOT_REGISTERED_REDIRECT_URL", "등록되지 않은 리다이렉트 URL입니다.");
      return null;
    }
    return {
      /* With successUrl (redirect form) the page goes to successUrl with paymentKey, orderId and amount,
       * or to failUrl with code, message and orderId; without it the promise settles instead. */
      requestPayment: function (params) {
        params = params || {};
        var early = check();
        if (early) return Promise.reject(early);
        var opened = openWindow(config, "payment", {
          amount: amountOf(params.amount), orderId: params.orderId, orderName: params.orderName,
          methodId: params.methodId,
        });
        if (!params.successUrl) return opened;
        return opened.then(
          function (result) {
            location.href = withQuery(params.successUrl, { paymentKey: result.paymentKey, orderId: result.orderId, amount: result.amount });
            return new Promise(function () {});
          },
          function (error) {
            if (!params.failUrl || error.code === "NOT_REGISTERED_REDIRECT_URL" || error.code === "INVALID_CUSTOMER_KEY" || error.code === "INVALID_CLIENT_KEY") throw error;
            var code = error.code === "USER_CANCEL" ? "PAY_PROCESS_CANCELED" : error.code;
            var message = error.code === "USER_CANCEL" ? "사용자에 의해 결제가 취소되었습니다." : error.message;
            location.href = withQuery(params.failUrl, { code: code, message: message, orderId: params.orderId });
            return new Promise(function () {});
          }
        );
      },
      addPaymentMethod: function (methodType) {
        var early = check();
        if (early) return Promise.reject(early);
        return openWindow(config, "addMethod", { methodType: methodType });
      },
      openSettings: function () {
        var early = check();
        if (early) return Promise.reject(early);
        return openWindow(config, "settings", {});
      },
      requestAgreement: function (scope) {
        var early = check();
        if (early) return Promise.reject(early);
        return openWindow(config, "agreement", { scope: scope });
      },
    };
  }

  global.__tossdBrandPay = createBrandPay;
})(window);
