// Renders live transcript events into an <ol id="transcript">. Text is
// set with textContent, never as HTML, so nothing a citizen or official
// typed can run as markup.
const zh = document.documentElement.lang.startsWith("zh");
const systemText = zh
  ? { started: "访谈开始", paused: "访谈暂停", resumed: "访谈继续", ended: "访谈结束", published: "文字实录已发布" }
  : { started: "The interview has started", paused: "Paused", resumed: "Resumed", ended: "The interview has ended", published: "Transcript published" };

// The same "2026-11-29 12:40" (Beijing time) the server renders.
function time(iso) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
    }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour === "24" ? "00" : parts.hour}:${parts.minute}`;
}

export function renderEntry(list, entry, { newestFirst = false } = {}) {
  if (document.getElementById(`entry-${entry.id}`)) return;
  const item = document.createElement("li");
  item.className = `entry entry-${entry.kind} is-new` + (entry.late ? " entry-late" : "");
  item.id = `entry-${entry.id}`;
  item.dataset.seq = String(entry.seq);
  if (entry.kind === "system") {
    const note = document.createElement("p");
    note.className = "system-note";
    note.textContent = systemText[entry.body] ?? entry.body;
    item.append(note);
  } else {
    const author = document.createElement("p");
    author.className = "entry-author";
    const name = document.createElement("strong");
    name.textContent = entry.author;
    author.append(name);
    if (entry.authorTitle) {
      const title = document.createElement("span");
      title.className = "meta";
      title.textContent = " " + entry.authorTitle;
      author.append(title);
    }
    const body = document.createElement("p");
    body.className = "entry-body";
    body.dataset.testid = "entry-body";
    body.textContent = entry.body;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = time(entry.createdAt);
    item.append(author, body, meta);
  }
  document.getElementById("no-entries")?.remove();
  if (newestFirst) list.prepend(item);
  else list.append(item);
}

export function applyCorrection(correction) {
  const body = document.querySelector(`#entry-${correction.entryId} .entry-body`);
  if (body) body.textContent = correction.body;
}
