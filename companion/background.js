// The companion's background: the toolbar button ("Add this page") and, every few minutes, "Check from my
// browser". Chromium runs it as a service worker (api.js imported below), Firefox as an event page (api.js
// listed before it in the manifest).
"use strict";

if (typeof importScripts === "function" && typeof window === "undefined") {
  importScripts("api.js");
}

const ALARM = "dropwatch-due-checks";
const DEFAULT_POLL_MINUTES = 5; // until Dropwatch says (it hands out the checks due within its poll window)

async function schedule() {
  const { pollMinutes } = await ext.storage.local.get("pollMinutes");
  const period = pollMinutes || DEFAULT_POLL_MINUTES;
  const current = await ext.alarms.get(ALARM);
  if (!current || current.periodInMinutes !== period) {
    await ext.alarms.create(ALARM, { periodInMinutes: period, delayInMinutes: 1 });
  }
}

// Dropwatch says how often to ask (COMPANION_POLL_MINUTES; every minute in the demo).
async function keepPollPeriod(minutes) {
  if (!Number.isInteger(minutes) || minutes < 1) return;
  await ext.storage.local.set({ pollMinutes: minutes });
  await schedule();
}

ext.runtime.onInstalled.addListener(schedule);
ext.runtime.onStartup.addListener(schedule);
ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) runDueChecks();
});
ext.action.onClicked.addListener((tab) => addThisPage(tab));

async function say(tabId, text, title) {
  try {
    await ext.action.setBadgeText({ tabId, text });
    await ext.action.setTitle({ tabId, title: title || "Add this page to Dropwatch" });
  } catch {
    // the tab is gone
  }
}

// --- Add this page ---------------------------------------------------------------------------------------
// The tab's address and its HTML as the browser has it, nothing else: Dropwatch reads the page itself and
// answers the address of its add preview, which opens in a new tab (signed in there as you are).

function readPage() {
  return { url: location.href, html: "<!DOCTYPE html>\n" + document.documentElement.outerHTML };
}

async function addThisPage(tab) {
  const pairing = await loadPairing();
  if (!pairing) {
    await ext.runtime.openOptionsPage();
    return { ok: false, error: "not paired" };
  }
  await say(tab.id, "…", "Sending the page to Dropwatch…");
  try {
    const [injection] = await ext.scripting.executeScript({ target: { tabId: tab.id }, func: readPage });
    const page = injection && injection.result;
    if (!page || !/^https?:/.test(page.url)) throw new CompanionError("Only web pages (http or https) can be added.");
    if (utf8Length(page.html) > DEFAULT_MAX_PAGE_BYTES) throw new CompanionError("The page is over 10 MiB.");
    const answer = await callDropwatch(pairing, "POST", "/pages", { url: page.url, html: page.html });
    const preview = new URL(answer.preview_url);
    if (preview.origin !== new URL(pairing.address).origin) {
      throw new CompanionError("Dropwatch answered an address that is not its own.");
    }
    await ext.tabs.create({ url: preview.href, index: tab.index + 1, openerTabId: tab.id });
    await say(tab.id, "", "");
    return { ok: true, preview: preview.href };
  } catch (err) {
    await say(tab.id, "!", `Dropwatch: ${err.message}`);
    return { ok: false, error: err.message };
  }
}

// --- Check from my browser -------------------------------------------------------------------------------
// Dropwatch hands out claims: its own URLs of your products whose server checks are blocked, each with a
// signed claim and a wait (the per-site spacing). Each page is fetched with this browser's session (its
// cookies) and posted back with its claim; Dropwatch reads it, and never takes a URL or a value from here.

let running = null;

function runDueChecks() {
  if (!running) running = dueChecks().finally(() => (running = null));
  return running;
}

async function dueChecks() {
  const pairing = await loadPairing();
  if (!pairing) return { ran: false, results: [] };
  const results = [];
  let error = "";
  try {
    const { claims, poll_minutes: minutes } = await callDropwatch(pairing, "POST", "/claims", {});
    await keepPollPeriod(minutes);
    const started = Date.now();
    for (const claim of claims) {
      const wait = started + claim.wait_seconds * 1000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      results.push(await answerClaim(pairing, claim));
    }
  } catch (err) {
    error = err.message;
  }
  const run = { at: new Date().toISOString(), results, error };
  await ext.storage.local.set({ lastRun: run });
  return run;
}

async function answerClaim(pairing, claim) {
  const origin = originPattern(claim.url);
  if (!(await ext.permissions.contains({ origins: [origin] }))) {
    return { url: claim.url, outcome: "needs-access", origin };
  }
  let html;
  try {
    html = await fetchPage(claim.url);
  } catch (err) {
    return { url: claim.url, outcome: "fetch-failed", message: err.message };
  }
  try {
    const answer = await callDropwatch(pairing, "POST", "/answers", { claim: claim.claim, html });
    return { url: claim.url, outcome: answer.status, message: answer.message };
  } catch (err) {
    return { url: claim.url, outcome: "refused", message: err.message };
  }
}

// The page as this browser gets it (its cookies, its session), read up to the cap, decoded by its charset.
async function fetchPage(url) {
  const response = await fetch(url, { credentials: "include", redirect: "follow", cache: "no-store" });
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > DEFAULT_MAX_PAGE_BYTES) {
      await reader.cancel();
      throw new CompanionError("The page is over 10 MiB.");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const charset = /charset=([^;]+)/i.exec(response.headers.get("content-type") || "");
  let decoder;
  try {
    decoder = new TextDecoder(charset ? charset[1].trim().replace(/"/g, "") : "utf-8");
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(bytes);
}

// The options page's "Check now".
ext.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message && message.type === "check-now") {
    runDueChecks().then(sendResponse);
    return true; // answered asynchronously
  }
  return false;
});

// Pairing (the options page) stores Dropwatch's poll period: follow it.
ext.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.pollMinutes) schedule();
});
