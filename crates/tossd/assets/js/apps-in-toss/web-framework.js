// tossd's stand-in for `@apps-in-toss/web-framework` (docs/front-end.md): the calls a mini-app's web code
// makes for the partner features, answered by tossd's simulated Toss sheets instead of the Toss app.
// The sheets open in an overlay iframe on tossd's origin and post their outcome back; calls without a
// sheet go through a hidden bridge page on tossd's origin, since tossd's simulator refuses writes from
// other origins.

const TOSSD = new URL(import.meta.url).origin;

// A setting the developer gives on the mini-app's address (`?tossd-user=USERKEY`, `?tossd-app=APPID`)
// or in `globalThis.TOSSD` (`{user, app}`).
function setting(name) {
  const fromAddress = new URLSearchParams(location.search).get("tossd-" + name);
  if (fromAddress) return fromAddress;
  const config = globalThis.TOSSD || {};
  return config[name] == null ? null : String(config[name]);
}

function sdkError(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

function who() {
  const query = new URLSearchParams();
  const user = setting("user");
  const app = setting("app");
  if (user) query.set("userKey", user);
  if (app) query.set("appId", app);
  return query;
}

let openOverlay = null;

// Opens one of tossd's sheets over the page and resolves with the first message it posts of `kind`,
// or `{canceled: true}` when the person closes the overlay.
function openSheet(path, kind) {
  if (openOverlay) openOverlay.close({ canceled: true });
  return new Promise((resolve) => {
    const overlay = document.createElement("div");
    overlay.id = "tossd-sheet";
    overlay.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.45);display:flex;" +
      "flex-direction:column;align-items:center;justify-content:flex-end";
    const close = document.createElement("button");
    close.id = "tossd-sheet-close";
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "닫기");
    close.style.cssText =
      "align-self:flex-end;margin:8px;border:0;border-radius:50%;width:36px;height:36px;font-size:20px;cursor:pointer";
    const frame = document.createElement("iframe");
    frame.src = TOSSD + path;
    frame.title = "토스";
    frame.style.cssText =
      "width:min(480px,100%);height:min(640px,85vh);border:0;border-radius:16px 16px 0 0;background:#f2f4f6";
    overlay.append(close, frame);

    function finish(outcome) {
      removeEventListener("message", onMessage);
      overlay.remove();
      openOverlay = null;
      resolve(outcome);
    }
    function onMessage(event) {
      if (event.origin !== TOSSD || event.source !== frame.contentWindow) return;
      if (!event.data || event.data.tossd !== kind) return;
      finish(event.data);
    }
    addEventListener("message", onMessage);
    close.addEventListener("click", () => finish({ canceled: true }));
    openOverlay = { close: finish };
    document.body.append(overlay);
  });
}

let bridge = null;
let lastCall = 0;

function bridgeWindow() {
  if (!bridge) {
    bridge = new Promise((resolve) => {
      const frame = document.createElement("iframe");
      frame.hidden = true;
      frame.title = "tossd";
      frame.src = TOSSD + "/sim/sdk/bridge";
      frame.addEventListener("load", () => resolve(frame.contentWindow), { once: true });
      document.body.append(frame);
    });
  }
  return bridge;
}

// Has the bridge make `call` (`{op: "pending", query}` or `{op: "grant", orderId}`) as tossd's own
// origin; resolves `{status, body}`.
async function simulator(call) {
  const target = await bridgeWindow();
  const id = ++lastCall;
  return new Promise((resolve) => {
    function onMessage(event) {
      if (event.origin !== TOSSD || !event.data || event.data.tossdReply !== id) return;
      removeEventListener("message", onMessage);
      resolve({ status: event.data.status, body: event.data.body });
    }
    addEventListener("message", onMessage);
    target.postMessage({ ...call, tossdCall: id }, TOSSD);
  });
}

function failure(answer) {
  const error = (answer.body && answer.body.error) || {};
  return sdkError(error.code || "INTERNAL_ERROR", error.message || "tossd answered " + answer.status);
}

// Toss login: the consent sheet; resolves with the code and referrer the partner server exchanges at
// `user/oauth2/generate-token`.
export async function appLogin() {
  const outcome = await openSheet("/sim/login?" + who(), "login");
  if (outcome.canceled) throw sdkError("USER_CANCELED", "사용자가 로그인을 취소했어요.");
  return { authorizationCode: outcome.authorizationCode, referrer: outcome.referrer };
}

// Toss Pay: the pay sheet for a payToken the partner server made (`pay/make-payment`). Success means the
// buyer authenticated; the partner server still executes the payment.
export async function checkoutPayment(options) {
  const payToken = options && options.params && options.params.payToken;
  if (typeof payToken !== "string" || payToken === "") {
    throw new TypeError("checkoutPayment: params.payToken must be a non-empty string");
  }
  const outcome = await openSheet("/sim/pay/" + encodeURIComponent(payToken), "pay");
  if (outcome.payStatus === "PAY_APPROVED") return { success: true };
  return { success: false, reason: "사용자가 결제를 취소했어요." };
}

async function completeGrant(orderId) {
  const answer = await simulator({ op: "grant", orderId });
  return answer.status === 200;
}

// In-app purchases against tossd's orders (docs/toss-pay.md).
export const IAP = {
  // The purchase sheet; once paid, `processProductGrant` runs, and `true` completes the grant. Returns
  // the clean-up function, which closes a sheet still open.
  createOneTimePurchaseOrder({ options, onEvent, onError }) {
    let cleaned = false;
    (async () => {
      const query = who();
      query.set("sku", options.sku);
      const outcome = await openSheet("/sim/iap/purchase?" + query, "iap");
      if (outcome.canceled) throw sdkError("USER_CANCELED", "사용자가 결제를 취소했어요.");
      const granted = await options.processProductGrant({ orderId: outcome.orderId });
      if (granted !== true) {
        throw sdkError("PRODUCT_NOT_GRANTED_BY_PARTNER", "상품이 지급되지 않았어요.");
      }
      // The grant may have been completed inside processProductGrant already (completeProductGrant).
      await completeGrant(outcome.orderId);
      if (!cleaned) await onEvent({ type: "success", data: { orderId: outcome.orderId, sku: outcome.sku } });
    })().catch((error) => {
      if (!cleaned && onError) return onError(error);
    });
    return () => {
      cleaned = true;
      if (openOverlay) openOverlay.close({ canceled: true });
    };
  },

  // Paid orders still waiting for the grant: `{orders: [{orderId, sku, paymentCompletedDate}]}`.
  async getPendingOrders() {
    const query = who();
    if (!query.has("userKey")) {
      throw sdkError("INVALID_REQUEST", "tossd needs the user: add ?tossd-user=USERKEY to the page's address");
    }
    const answer = await simulator({ op: "pending", query: String(query) });
    if (answer.status !== 200) throw failure(answer);
    return { orders: answer.body.orders };
  },

  // Marks a paid order's product as granted; `false` when the order is not waiting for a grant.
  async completeProductGrant(args) {
    const orderId = args && args.params && args.params.orderId;
    if (typeof orderId !== "string" || orderId === "") {
      throw new TypeError("completeProductGrant: params.orderId must be a non-empty string");
    }
    return completeGrant(orderId);
  },
};
