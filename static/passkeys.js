// Passkeys for farm-auth's pages, no dependencies. The server (webauthn-rs) sends the
// WebAuthn options as JSON with base64url binary fields; these functions turn them into
// what navigator.credentials wants, and the browser's answer back into JSON. The page
// wiring at the end finds the [data-passkey-register] and [data-passkey-login] blocks, shows
// their buttons (only where WebAuthn exists) and runs the ceremony on a click.
"use strict";

function b64urlToBuf(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function bufToB64url(buf) {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function parse(options) {
  return typeof options === "string" ? JSON.parse(options) : options;
}

function descriptors(list) {
  return (list || []).map((c) => Object.assign({}, c, { id: b64urlToBuf(c.id) }));
}

// Only the extension outputs webauthn-rs reads; the others may hold ArrayBuffers.
function extensionResults(cred) {
  const r = cred.getClientExtensionResults ? cred.getClientExtensionResults() : {};
  const out = {};
  if (r.credProps) out.credProps = { rk: r.credProps.rk };
  if (typeof r.appid === "boolean") out.appid = r.appid;
  return out;
}

async function registerPasskey(optionsJson) {
  const pk = Object.assign({}, parse(optionsJson).publicKey);
  pk.challenge = b64urlToBuf(pk.challenge);
  pk.user = Object.assign({}, pk.user, { id: b64urlToBuf(pk.user.id) });
  if (pk.excludeCredentials) pk.excludeCredentials = descriptors(pk.excludeCredentials);
  const cred = await navigator.credentials.create({ publicKey: pk });
  const resp = cred.response;
  const transports = resp.getTransports ? resp.getTransports() : [];
  return JSON.stringify({
    id: cred.id,
    rawId: bufToB64url(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: bufToB64url(resp.attestationObject),
      clientDataJSON: bufToB64url(resp.clientDataJSON),
      transports, // unknown strings map to AuthenticatorTransport::Unknown
    },
    clientExtensionResults: extensionResults(cred),
  });
}

// mediation: undefined for a "Sign in with a passkey" button (modal dialog). Pass
// "conditional" only with an <input autocomplete="username webauthn"> on the page.
// start_discoverable_authentication always sets mediation "conditional" in its JSON, so the
// second argument overrides it; pass null to keep the server's value.
async function getPasskey(optionsJson, mediation, signal) {
  const opts = parse(optionsJson);
  const pk = Object.assign({}, opts.publicKey);
  pk.challenge = b64urlToBuf(pk.challenge);
  pk.allowCredentials = descriptors(pk.allowCredentials);
  const req = { publicKey: pk };
  const m = mediation === null ? opts.mediation : mediation;
  if (m) req.mediation = m;
  if (signal) req.signal = signal;
  const cred = await navigator.credentials.get(req);
  const resp = cred.response;
  return JSON.stringify({
    id: cred.id,
    rawId: bufToB64url(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: bufToB64url(resp.authenticatorData),
      clientDataJSON: bufToB64url(resp.clientDataJSON),
      signature: bufToB64url(resp.signature),
      userHandle: resp.userHandle ? bufToB64url(resp.userHandle) : null,
    },
    clientExtensionResults: extensionResults(cred),
  });
}

async function postJson(url, csrf, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { /* not JSON: a page */ }
  if (!response.ok) {
    // The server's words are in the page's language; without them, the page's own.
    throw new Error(data.error || "");
  }
  return data;
}

function showError(box, error) {
  const alert = box.querySelector(".alert");
  // The words come from the page (data-msg-*), in the person's language.
  const say = box.dataset;
  let text = error && error.message ? error.message : say.msgFailed || "Something went wrong. Reload the page and try again.";
  if (error && error.name === "NotAllowedError") text = say.msgCancelled || "The passkey request was cancelled or timed out.";
  if (error && error.name === "InvalidStateError") text = say.msgExists || "This device already holds a passkey for your account.";
  alert.textContent = text;
  alert.hidden = false;
}

function wire(box, run) {
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  box.hidden = false; // a block shown only where passkeys can be made (the offer)
  const button = box.querySelector("button");
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    box.querySelector(".alert").hidden = true;
    try {
      const done = await run();
      window.location.assign(done.next);
    } catch (error) {
      showError(box, error);
      button.disabled = false;
    }
  });
}

document.querySelectorAll("[data-passkey-register]").forEach((box) => {
  wire(box, async () => {
    const csrf = box.dataset.csrf;
    // The offer after sign-up asks no password again and names the passkey itself.
    const password = box.querySelector("input[type=password]");
    const options = await postJson("/account/passkeys/register/start", csrf, { password: password ? password.value : "" });
    const credential = JSON.parse(await registerPasskey(options));
    const named = box.querySelector("input[type=text]");
    const name = named ? named.value : box.dataset.passkeyName;
    const done = await postJson("/account/passkeys/register/finish", csrf, { name, credential });
    return { next: box.dataset.next || done.next };
  });
});

// Passkey autofill (conditional mediation): where the browser offers passkeys in the
// username field's suggestions, the field says so ("username webauthn", added here only)
// and a quiet request waits for the person to pick one. It is renewed before its challenge
// runs out on the server (five minutes), and aborted before the button's request or the
// password form's submission, since a browser runs one WebAuthn request at a time.
const AUTOFILL_RENEW_MS = 4 * 60 * 1000;
let autofill = null;

function stopAutofill() {
  if (!autofill) return;
  autofill.controller.abort();
  clearTimeout(autofill.timer);
  autofill = null;
}

async function runAutofill(box) {
  stopAutofill();
  const mine = { controller: new AbortController(), timer: setTimeout(() => runAutofill(box), AUTOFILL_RENEW_MS) };
  autofill = mine;
  const csrf = box.dataset.csrf;
  const request = box.dataset.request || null;
  try {
    const options = await postJson("/login/passkey/start", csrf, { mode: "autofill" });
    if (mine.controller.signal.aborted) return;
    const credential = JSON.parse(await getPasskey(options, "conditional", mine.controller.signal));
    clearTimeout(mine.timer);
    const done = await postJson("/login/passkey/finish", csrf, { credential, request, autofill: true });
    window.location.assign(done.next);
  } catch (error) {
    if (mine.controller.signal.aborted || (error && error.name === "AbortError")) return;
    clearTimeout(mine.timer);
    showError(box, error);
  }
}

async function startAutofill(box) {
  const input = document.getElementById(box.dataset.passkeyAutofill || "");
  const pkc = window.PublicKeyCredential;
  if (!input || !pkc || !pkc.isConditionalMediationAvailable || !navigator.credentials) return;
  let available = false;
  try { available = await pkc.isConditionalMediationAvailable(); } catch (e) { /* no */ }
  if (!available) return;
  input.setAttribute("autocomplete", "username webauthn");
  if (input.form) input.form.addEventListener("submit", stopAutofill);
  runAutofill(box);
}

document.querySelectorAll("[data-passkey-login]").forEach((box) => {
  wire(box, async () => {
    stopAutofill();
    const csrf = box.dataset.csrf;
    const options = await postJson("/login/passkey/start", csrf, { mode: box.dataset.passkeyLogin });
    const credential = JSON.parse(await getPasskey(options));
    const request = box.dataset.request || null;
    return postJson("/login/passkey/finish", csrf, { credential, request });
  });
  if (box.dataset.passkeyAutofill) startAutofill(box);
});
