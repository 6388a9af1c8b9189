// The options page: pairing (Dropwatch's address + a companion token), where checks are on, the last run.
"use strict";

const $ = (id) => document.getElementById(id);

function show(id, text, kind) {
  const node = $(id);
  node.textContent = text;
  node.className = kind || "";
}

async function refresh() {
  const pairing = await loadPairing();
  if (pairing) $("address").value = pairing.address;
  else if (!$("address").value) $("address").value = "http://127.0.0.1:8000";
  const { lastRun, session } = await ext.storage.local.get(["lastRun", "session"]);
  if (pairing && session) {
    show("status", `Paired with ${pairing.address} as ${session.username}.`, "ok");
    $("platforms").textContent = session.platforms.length
      ? `On for: ${session.platforms.join(", ")} (change it in Dropwatch: Settings → Browser companion).`
      : "Off on every platform: turn it on in Dropwatch, Settings → Browser companion.";
  }
  showLastRun(lastRun);
}

function showLastRun(run) {
  const access = $("access");
  access.textContent = "";
  if (!run) return;
  const done = run.results.filter((r) => r.outcome !== "needs-access");
  $("last-run").textContent =
    `Last run ${new Date(run.at).toLocaleString()}: ${done.length} page(s) checked` +
    (run.error ? ` — ${run.error}` : ".");
  const origins = [...new Set(run.results.filter((r) => r.outcome === "needs-access").map((r) => r.origin))];
  if (origins.length) {
    const note = document.createElement("p");
    note.textContent = `The companion needs your permission to read: ${origins.join(", ")}`;
    const grant = document.createElement("button");
    grant.type = "button";
    grant.textContent = "Allow these shops";
    grant.addEventListener("click", async () => {
      const granted = await ext.permissions.request({ origins });
      show("status", granted ? "Allowed. They are checked at the next run." : "Not allowed.", granted ? "ok" : "error");
    });
    access.append(note, grant);
  }
}

$("pair").addEventListener("submit", async (event) => {
  event.preventDefault();
  let address;
  try {
    address = normaliseAddress($("address").value);
  } catch (err) {
    show("status", err.message, "error");
    return;
  }
  const token = $("token").value.trim();
  // Asked first, inside the click: browsers grant permissions only in answer to the user's gesture.
  const granted = await ext.permissions.request({ origins: [originPattern(address)] });
  if (!granted) {
    show("status", `The companion needs permission to reach ${address}.`, "error");
    return;
  }
  show("status", "Checking the token…");
  try {
    const session = await callDropwatch({ address, token }, "GET", "/session");
    await ext.storage.local.set({ address, token, session, pollMinutes: session.poll_minutes });
    $("token").value = "";
    await refresh();
  } catch (err) {
    show("status", err.status === 401 ? "Dropwatch does not know this companion token." : err.message, "error");
  }
});

$("unpair").addEventListener("click", async () => {
  await ext.storage.local.remove(["token", "session", "lastRun"]);
  show("status", "Unpaired: the token is forgotten here (revoke it in Dropwatch too).");
  $("platforms").textContent = "Not paired yet.";
});

$("check").addEventListener("click", async () => {
  show("status", "Checking…");
  const run = await ext.runtime.sendMessage({ type: "check-now" });
  showLastRun(run);
  show("status", run && run.error ? run.error : "Done.", run && run.error ? "error" : "ok");
});

refresh();
