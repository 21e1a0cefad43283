async function simCall(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let parsed = null;
  try { parsed = await response.json(); } catch (e) { parsed = { error: { code: "ERROR", message: String(e) } }; }
  return { ok: response.ok, body: parsed };
}
function showError(body) {
  const el = document.getElementById("error");
  const error = (body && body.error) || {};
  el.textContent = (error.code || "ERROR") + ": " + (error.message || "");
  el.hidden = false;
}
