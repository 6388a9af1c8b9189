// Shared by the background script and the options page: the pairing, and calls to Dropwatch's companion API.
// Plain JS, no build step. Chromium has `chrome` (promise-based in MV3), Firefox has `browser`.
"use strict";

const ext = globalThis.browser ?? globalThis.chrome;
const DEFAULT_MAX_PAGE_BYTES = 10 * 1024 * 1024; // Dropwatch's cap; /session says the server's own

class CompanionError extends Error {
  constructor(message, status = 0, code = "") {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// "http://127.0.0.1:8000/" -> "http://127.0.0.1:8000"; anything but a plain http(s) address is refused.
function normaliseAddress(raw) {
  let url;
  try {
    url = new URL(String(raw || "").trim());
  } catch {
    throw new CompanionError("Enter Dropwatch's address, such as https://dropwatch.example.com");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new CompanionError("Dropwatch's address starts with https:// (or http:// on your own machine).");
  }
  if (url.username || url.password) throw new CompanionError("Remove the user name and password from the address.");
  return url.origin + url.pathname.replace(/\/+$/, "");
}

// The host permission a URL needs (match patterns carry no port: one grant covers the host).
function originPattern(address) {
  const url = new URL(address);
  return `${url.protocol}//${url.hostname}/*`;
}

async function loadPairing() {
  const { address, token } = await ext.storage.local.get(["address", "token"]);
  return address && token ? { address, token } : null;
}

// One call to /api/v1/companion/<path>. The token goes in the Authorization header only; no cookies are sent.
async function callDropwatch(pairing, method, path, body) {
  let response;
  try {
    response = await fetch(`${pairing.address}/api/v1/companion${path}`, {
      method,
      headers: { Authorization: `Bearer ${pairing.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    });
  } catch (err) {
    throw new CompanionError(`Dropwatch did not answer at ${pairing.address} (${err.message}).`);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new CompanionError(error.message || `Dropwatch answered ${response.status}.`, response.status, error.code);
  }
  return data;
}

function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}
