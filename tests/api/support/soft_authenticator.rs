//! A software WebAuthn authenticator and the browser's part around it, for tests over
//! plain HTTP: it reads the options JSON the server sends (`publicKey`, as webauthn-rs
//! serialises it) and returns the JSON a browser running `static/passkeys.js` posts back.
//!
//! * ES256 keys (ECDSA P-256 / SHA-256) from `aws-lc-rs`, DER signatures as WebAuthn wants.
//! * Every credential is resident (discoverable) and keeps its user handle.
//! * Attestation "none"; flags UP, UV (unless turned off) and AT at registration.
//! * The clientDataJSON names the origin given, as a browser at that origin would.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SystemRandom, fill};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;

pub(crate) struct SoftCredential {
    pub(crate) id: Vec<u8>,
    pub(crate) rp_id: String,
    pub(crate) user_handle: Vec<u8>,
    key: EcdsaKeyPair,
    pub(crate) counter: u32,
}

pub struct SoftAuthenticator {
    pub(crate) aaguid: [u8; 16],
    /// Set the UV flag (a passkey does user verification). Turn off to test rejection.
    pub(crate) user_verified: bool,
    /// Increment the signature counter on every assertion (false = always 0, like synced passkeys).
    pub(crate) use_counter: bool,
    pub(crate) credentials: Vec<SoftCredential>,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self {
            aaguid: [0; 16],
            user_verified: true,
            use_counter: true,
            credentials: Vec::new(),
        }
    }
}

fn b64d(v: &Value) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or("expected base64url string")?;
    B64.decode(s.trim_end_matches('='))
        .map_err(|e| e.to_string())
}

fn sha256(data: &[u8]) -> Vec<u8> {
    digest(&SHA256, data).as_ref().to_vec()
}

// ---- tiny CBOR encoder (only what attestationObject / COSE_Key need) ----
fn cbor_head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes())
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes())
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes())
        }
    }
}
fn cbor_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        cbor_head(out, 0, v as u64)
    } else {
        cbor_head(out, 1, (-1 - v) as u64)
    }
}
fn cbor_bytes(out: &mut Vec<u8>, b: &[u8]) {
    cbor_head(out, 2, b.len() as u64);
    out.extend_from_slice(b)
}
fn cbor_text(out: &mut Vec<u8>, s: &str) {
    cbor_head(out, 3, s.len() as u64);
    out.extend_from_slice(s.as_bytes())
}
fn cbor_map(out: &mut Vec<u8>, entries: usize) {
    cbor_head(out, 5, entries as u64)
}

/// COSE_Key for an EC2 P-256 ES256 public key, canonical key order 1, 3, -1, -2, -3.
fn cose_es256(uncompressed: &[u8]) -> Vec<u8> {
    assert_eq!(uncompressed.len(), 65);
    let mut o = Vec::new();
    cbor_map(&mut o, 5);
    cbor_int(&mut o, 1);
    cbor_int(&mut o, 2); // kty: EC2
    cbor_int(&mut o, 3);
    cbor_int(&mut o, -7); // alg: ES256
    cbor_int(&mut o, -1);
    cbor_int(&mut o, 1); // crv: P-256
    cbor_int(&mut o, -2);
    cbor_bytes(&mut o, &uncompressed[1..33]); // x
    cbor_int(&mut o, -3);
    cbor_bytes(&mut o, &uncompressed[33..65]); // y
    o
}

fn client_data(type_: &str, challenge_b64: &str, origin: &str) -> Vec<u8> {
    // Same member order as browsers; webauthn-rs parses it as JSON.
    serde_json::to_vec(&json!({
        "type": type_, "challenge": challenge_b64, "origin": origin, "crossOrigin": false
    }))
    .unwrap()
}

impl SoftAuthenticator {
    /// `navigator.credentials.create()`: `options` is the serialised `CreationChallengeResponse`.
    pub(crate) fn register(&mut self, options: &Value, origin: &str) -> Result<Value, String> {
        let pk = &options["publicKey"];
        let rp_id = pk["rp"]["id"].as_str().ok_or("rp.id")?.to_string();
        for ex in pk["excludeCredentials"].as_array().into_iter().flatten() {
            let id = b64d(&ex["id"])?;
            if self
                .credentials
                .iter()
                .any(|c| c.id == id && c.rp_id == rp_id)
            {
                return Err("InvalidStateError: credential excluded".into());
            }
        }
        let key =
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).map_err(|e| e.to_string())?;
        let mut id = vec![0u8; 32];
        fill(&mut id).map_err(|e| e.to_string())?;
        let response = self.creation(options, origin, &id, key.public_key().as_ref())?;
        self.credentials.push(SoftCredential {
            id,
            rp_id,
            user_handle: b64d(&pk["user"]["id"])?,
            key,
            counter: 0,
        });
        Ok(response)
    }

    /// What no honest authenticator sends: a registration answering `options` that presents
    /// the existing credential `index` (its id and public key) again, ignoring
    /// `excludeCredentials` and keeping nothing new.
    pub(crate) fn register_existing(
        &self,
        options: &Value,
        origin: &str,
        index: usize,
    ) -> Result<Value, String> {
        let credential = self.credentials.get(index).ok_or("no such credential")?;
        let public_key = credential.key.public_key().as_ref().to_vec();
        self.creation(options, origin, &credential.id, &public_key)
    }

    /// The JSON of a new credential `id` with `public_key` (uncompressed P-256 point).
    fn creation(
        &self,
        options: &Value,
        origin: &str,
        id: &[u8],
        public_key: &[u8],
    ) -> Result<Value, String> {
        let pk = &options["publicKey"];
        let rp_id = pk["rp"]["id"].as_str().ok_or("rp.id")?;
        let challenge = pk["challenge"].as_str().ok_or("challenge")?;
        if !pk["pubKeyCredParams"]
            .as_array()
            .ok_or("pubKeyCredParams")?
            .iter()
            .any(|p| p["alg"] == -7)
        {
            return Err("NotSupportedError: ES256 not offered".into());
        }

        let mut auth_data = sha256(rp_id.as_bytes());
        auth_data.push(FLAG_UP | FLAG_AT | if self.user_verified { FLAG_UV } else { 0 });
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend(self.aaguid);
        auth_data.extend((id.len() as u16).to_be_bytes());
        auth_data.extend(id);
        auth_data.extend(cose_es256(public_key));

        let mut att_obj = Vec::new();
        cbor_map(&mut att_obj, 3);
        cbor_text(&mut att_obj, "fmt");
        cbor_text(&mut att_obj, "none");
        cbor_text(&mut att_obj, "attStmt");
        cbor_map(&mut att_obj, 0);
        cbor_text(&mut att_obj, "authData");
        cbor_bytes(&mut att_obj, &auth_data);

        let cdj = client_data("webauthn.create", challenge, origin);
        let id_b64 = B64.encode(id);
        Ok(json!({
            "id": id_b64, "rawId": id_b64, "type": "public-key",
            "response": {
                "attestationObject": B64.encode(att_obj),
                "clientDataJSON": B64.encode(cdj),
                "transports": ["internal"]
            },
            "clientExtensionResults": { "credProps": { "rk": true } }
        }))
    }

    /// `navigator.credentials.get()`: `options` is the serialised `RequestChallengeResponse`.
    /// Empty allowCredentials = discoverable: picks the newest credential for the rp id.
    pub(crate) fn authenticate(&mut self, options: &Value, origin: &str) -> Result<Value, String> {
        let pk = &options["publicKey"];
        let rp_id = pk["rpId"].as_str().ok_or("rpId")?;
        let challenge = pk["challenge"].as_str().ok_or("challenge")?;
        let allowed: Vec<Vec<u8>> = pk["allowCredentials"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| b64d(&c["id"]))
            .collect::<Result<_, _>>()?;
        let cred = self
            .credentials
            .iter_mut()
            .rev()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .ok_or("NotAllowedError: no matching credential")?;
        if self.use_counter {
            cred.counter += 1;
        }

        let mut auth_data = sha256(rp_id.as_bytes());
        auth_data.push(FLAG_UP | if self.user_verified { FLAG_UV } else { 0 });
        auth_data.extend(cred.counter.to_be_bytes());
        let cdj = client_data("webauthn.get", challenge, origin);
        let mut signed = auth_data.clone();
        signed.extend(sha256(&cdj));
        let sig = cred
            .key
            .sign(&SystemRandom::new(), &signed)
            .map_err(|e| e.to_string())?;
        let id_b64 = B64.encode(&cred.id);
        Ok(json!({
            "id": id_b64, "rawId": id_b64, "type": "public-key",
            "response": {
                "authenticatorData": B64.encode(&auth_data),
                "clientDataJSON": B64.encode(&cdj),
                "signature": B64.encode(sig.as_ref()),
                "userHandle": B64.encode(&cred.user_handle)
            },
            "clientExtensionResults": {}
        }))
    }
}
