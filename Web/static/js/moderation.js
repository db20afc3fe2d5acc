// Moderation console: live updates of the queue and keyboard shortcuts.
// The page works without this script (plain forms); this only keeps it
// current and quick. Cards are rendered by the server (escaped there) and
// swapped in whole.
import { connectLive } from "./live.js";

const consoleElement = document.getElementById("moderation-console");
const queue = document.getElementById("queue");
const statusElement = document.querySelector("[data-testid=live-status]");
const labels = {
  open: document.documentElement.lang.startsWith("zh") ? "实时更新中" : "Live",
  reconnecting: document.documentElement.lang.startsWith("zh") ? "正在重新连接…" : "Reconnecting…",
  closed: statusElement?.textContent ?? "",
  changed: document.documentElement.lang.startsWith("zh") ? "此条已被他人更新，请刷新查看。" : "Someone else changed this item; reload to see it.",
};
const filters = new URLSearchParams(location.search);
const showsPending = (filters.get("state") ?? "pending") === "pending";

function setStatus(status) {
  if (!statusElement) return;
  statusElement.textContent = labels[status];
  statusElement.classList.toggle("on", status === "open");
}

async function fetchCard(id) {
  const response = await fetch(`/moderation/items/${id}/card`, { credentials: "same-origin" });
  if (!response.ok) return null;
  const template = document.createElement("template");
  template.innerHTML = (await response.text()).trim();
  return template.content.firstElementChild;
}

function matchesFilters(item) {
  const kind = filters.get("kind");
  if (kind && item.kind !== kind) return false;
  const category = filters.get("category");
  if (category === "flagged" && item.categories.length === 0) return false;
  if (category && category !== "flagged" && !item.categories.includes(category)) return false;
  return true;
}

async function onItem(item) {
  const existing = document.getElementById(`item-${item.id}`);
  if (existing) {
    if (existing.contains(document.activeElement) && document.activeElement !== existing) {
      // Do not pull the form from under a moderator who is typing.
      if (!existing.querySelector(".changed-banner")) {
        const banner = document.createElement("p");
        banner.className = "changed-banner";
        banner.textContent = labels.changed;
        existing.prepend(banner);
      }
      return;
    }
    const card = await fetchCard(item.id);
    if (card) existing.replaceWith(card);
    return;
  }
  if (item.state === "pending" && showsPending && matchesFilters(item)) {
    const card = await fetchCard(item.id);
    if (!card) return;
    queue.querySelector("[data-testid=queue-empty]")?.remove();
    queue.append(card);
    const total = document.querySelector("[data-testid=pending-total]");
    if (total) total.textContent = String(Number(total.textContent) + 1);
  }
}

if (consoleElement) {
  connectLive(consoleElement.dataset.live, {
    onStatus: setStatus,
    onMessage(event) {
      if (event.type === "moderation.item") onItem(event.item);
    },
  });
}

// Keyboard shortcuts: J/K move between cards, A approve, R reject, E edit,
// C claim. Ignored while typing in a field.
//
// One-key shortcuts are off until the moderator turns them on with the
// console's checkbox (WCAG 2.1.4: a way to turn them off; off by default
// because a stray "a" would approve a text for publication, which cannot
// be taken back quietly). The choice is remembered in localStorage.
const shortcutsKey = "wenzheng.moderation.shortcuts";
const shortcutsToggle = document.getElementById("shortcuts-toggle");
function shortcutsOn() {
  try {
    return localStorage.getItem(shortcutsKey) === "on";
  } catch {
    return false;
  }
}
function showShortcutsState() {
  document.getElementById("moderation-console")?.classList.toggle("shortcuts-off", !(shortcutsToggle?.checked ?? false));
}
if (shortcutsToggle) {
  shortcutsToggle.checked = shortcutsOn();
  shortcutsToggle.closest("[hidden]")?.removeAttribute("hidden");
  shortcutsToggle.addEventListener("change", () => {
    try {
      localStorage.setItem(shortcutsKey, shortcutsToggle.checked ? "on" : "off");
    } catch {
      // Storage refused (private mode): the setting lasts for this page.
    }
    showShortcutsState();
  });
}
showShortcutsState();

function cards() {
  return [...queue.querySelectorAll(".mod-card")];
}

function current() {
  return document.activeElement?.closest?.(".mod-card") ?? null;
}

function focusCard(card) {
  if (!card) return;
  cards().forEach((element) => element.classList.remove("is-current"));
  card.classList.add("is-current");
  card.focus();
  card.scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if (!(shortcutsToggle?.checked ?? false)) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  const all = cards();
  const card = current();
  const index = card ? all.indexOf(card) : -1;
  switch (event.key.toLowerCase()) {
    case "j":
      focusCard(all[Math.min(index + 1, all.length - 1)]);
      break;
    case "k":
      focusCard(all[Math.max(index - 1, 0)]);
      break;
    case "a":
      card?.querySelector("form[data-action=approve]")?.requestSubmit();
      break;
    case "r":
      card?.querySelector("form[data-action=reject] select")?.focus();
      break;
    case "e": {
      const details = card?.querySelector("details.mod-edit");
      if (details) {
        details.open = true;
        details.querySelector("textarea")?.focus();
      }
      break;
    }
    case "c":
      card?.querySelector("[data-testid=claim]")?.closest("form")?.requestSubmit();
      break;
    default:
      return;
  }
  event.preventDefault();
});
