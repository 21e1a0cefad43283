// The SDK window's side of the conversation with /js/v1/brandpay and /js/v2/standard: every outcome goes
// to the merchant page (ORIGIN) as one message the SDK turns into a resolved or rejected promise.
function send(message) {
  parent.postMessage(Object.assign({ source: "tossd-brandpay" }, message), ORIGIN);
}
function failed(body) {
  const error = (body && body.error) || {};
  send({ type: "error", code: error.code || "UNKNOWN_ERROR", message: error.message || "" });
}
const closeButton = document.getElementById("close");
// Closing the settings is how they end; closing anything else is the customer giving up.
closeButton.addEventListener("click", () =>
  send(ctx.step === "settings" ? { type: "done", result: ctx.methods } : { type: "cancel" }));

if (ctx.step === "terms") {
  document.getElementById("agree").addEventListener("click", async () => {
    const termsId = [...document.querySelectorAll("input[name=terms]:checked")].map((e) => Number(e.value));
    const r = await simCall("/sim/v1/brandpay/sdk/agreements", { mId: ctx.mId, customerKey: ctx.customerKey, scope: scopes, termsId });
    if (!r.ok) {
      if (r.body && r.body.error && r.body.error.code === "NEED_AGREEMENT_WITH_TERMS") return showError(r.body);
      return failed(r.body);
    }
    document.getElementById("agree").disabled = true;
    // The SDK calls the merchant's redirectUrl with the code, then tells us to go on.
    window.addEventListener("message", (event) => {
      if (event.origin !== ORIGIN || !event.data || event.data.type !== "code-delivered") return;
      if (ctx.action === "agreement") return send({ type: "done", result: { scope: scopes } });
      location.reload();
    });
    send({ type: "code", code: r.body.code, customerKey: ctx.customerKey });
  });
}

if (ctx.step === "register") {
  document.getElementById("register").addEventListener("click", async () => {
    const password = document.getElementById("password").value;
    if (!/^[0-9]{6}$/.test(password)) {
      return showError({ error: { code: "INVALID_PASSWORD", message: "결제 비밀번호는 숫자 6자리예요." } });
    }
    const kind = ctx.account ? "accounts" : "cards";
    const number = document.getElementById(ctx.account ? "account-number" : "card-number").value.replace(/[^0-9]/g, "");
    const body = {};
    if (number) body[ctx.account ? "accountNumber" : "cardNumber"] = number;
    const path = "/sim/v1/brandpay/customers/" + encodeURIComponent(ctx.customerKey) + "/" + kind + "?mId=" + encodeURIComponent(ctx.mId);
    const r = await simCall(path, body);
    if (!r.ok) return showError(r.body);
    if (ctx.action === "addMethod") return send({ type: "done", result: ctx.methods.concat([r.body]) });
    location.reload();
  });
}

if (ctx.step === "pay") {
  document.getElementById("pay").addEventListener("click", async () => {
    const picked = document.querySelector("input[name=method]:checked");
    const r = await simCall("/sim/v1/brandpay/payments", {
      mId: ctx.mId, customerKey: ctx.customerKey, methodId: picked.value, amount: Number(ctx.amount),
      orderId: ctx.orderId, orderName: ctx.orderName, password: document.getElementById("password").value,
    });
    if (r.ok) {
      return send({ type: "success", paymentKey: r.body.paymentKey, orderId: r.body.orderId, amount: r.body.amount, methodId: picked.value });
    }
    // A wrong password lets the customer try again, as the real window does.
    if (r.body && r.body.error && r.body.error.code === "INVALID_PASSWORD") return showError(r.body);
    failed(r.body);
  });
}
