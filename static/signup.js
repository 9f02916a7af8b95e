// The sign-up form's proof of work (DECISIONS §87), no dependencies. The form carries a
// challenge the server signed; this finds a number N such that SHA-256("challenge:N")
// starts with data-bits zero bits, and sends it as `solution`. It starts when the page
// loads, so it is usually done before the person is; if not, the submit waits for it.
// Without this script (or without WebCrypto) the form still works: the server then only
// asks that it was open a few seconds.
"use strict";

(function () {
  const form = document.getElementById("signup-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) return;
  const challenge = form.elements.challenge.value;
  const bits = Number(form.dataset.bits);
  const status = document.getElementById("signup-status");
  const encoder = new TextEncoder();
  // How many hashes run at once: enough to keep WebCrypto busy between awaits.
  const BATCH = 256;

  function zeroBits(buffer) {
    const bytes = new Uint8Array(buffer);
    let n = 0;
    for (const byte of bytes) {
      if (byte !== 0) return n + Math.clz32(byte) - 24;
      n += 8;
    }
    return n;
  }

  async function solve() {
    for (let start = 0; ; start += BATCH) {
      const tries = [];
      for (let i = start; i < start + BATCH; i++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + i)));
      }
      const hashes = await Promise.all(tries);
      for (let i = 0; i < BATCH; i++) {
        if (zeroBits(hashes[i]) >= bits) return String(start + i);
      }
    }
  }

  let solved = false;
  const work = solve().then(function (solution) {
    form.elements.solution.value = solution;
    solved = true;
  });

  form.addEventListener("submit", function (event) {
    if (solved) return;
    event.preventDefault();
    if (status) status.textContent = form.dataset.checking || "Checking that you are a person\u2026";
    // form.submit() does not fire this handler again, nor send the button pressed: the
    // button's name and value (the choice of no password) go as a hidden field.
    const submitter = event.submitter;
    work.then(function () {
      if (submitter && submitter.name) {
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        form.appendChild(carried);
      }
      form.submit();
    });
  });
})();
