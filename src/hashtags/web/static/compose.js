// Compose: the policy review live as you type, highlights in place, one-click fixes and
// character counts per network. Texts come from the page (translated on the server).
// Offsets from the engine count Unicode code points; JavaScript strings count UTF-16 units,
// so every slice here goes through Array.from (code points).
(function () {
  "use strict";
  const form = document.getElementById("compose");
  if (!form) return;
  const textarea = document.getElementById("text");
  const highlights = document.getElementById("highlights");
  const backdrop = highlights.parentElement;
  const findingsList = document.getElementById("findings");
  const status = document.getElementById("review-status");
  const counts = document.getElementById("counts");
  const coach = document.getElementById("coach");
  const replyTo = document.getElementById("reply_to");
  const texts = JSON.parse(form.dataset.texts);
  const limits = JSON.parse(form.dataset.limits);
  const author = form.dataset.author;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const ORDER = { allow: 0, warn: 1, review: 2, block: 3 };
  let timer = null;
  let sequence = 0;
  let current = JSON.parse(form.dataset.review || "null");

  try {
    document.getElementById("tz").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (e) { /* the server reads the time as UTC */ }

  function chosen() {
    return Array.from(form.querySelectorAll('input[name="account"]:checked'));
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  }

  // --- character counts ------------------------------------------------------------------
  const URL_RE = /https?:\/\/\S+/gi;
  function lengthFor(text, counting) {
    if (counting === "graphemes") {
      if (window.Intl && Intl.Segmenter) {
        return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)).length;
      }
      return Array.from(text).length;
    }
    if (counting === "links23") {
      let total = Array.from(text).length;
      (text.match(URL_RE) || []).forEach((url) => { total += 23 - Array.from(url).length; });
      return total;
    }
    return Array.from(text).length;
  }

  function updateCounts() {
    const networks = Array.from(new Set(chosen().map((c) => c.dataset.network))).sort();
    counts.replaceChildren();
    networks.forEach((network) => {
      const limit = limits[network];
      if (!limit) return;
      const n = lengthFor(textarea.value, limit.counting);
      const over = n > limit.max;
      const label = network.charAt(0).toUpperCase() + network.slice(1);
      const item = el("li", { class: over ? "over count" : "count", "data-network": network,
        text: `${label}: ${n} / ${limit.max}` + (over ? ` — ${texts.over}` : "") });
      counts.appendChild(item);
    });
  }

  // --- highlights ------------------------------------------------------------------------
  function renderHighlights(findings) {
    const chars = Array.from(textarea.value);
    const level = new Array(chars.length).fill(-1);
    (findings || []).forEach((f) => {
      for (let i = Math.max(0, f.start); i < Math.min(chars.length, f.end); i++) {
        level[i] = Math.max(level[i], ORDER[f.action] ?? 0);
      }
    });
    const names = ["allow", "warn", "review", "block"];
    highlights.replaceChildren();
    let i = 0;
    while (i < chars.length) {
      let j = i;
      while (j < chars.length && level[j] === level[i]) j++;
      const piece = chars.slice(i, j).join("");
      if (level[i] < 0) highlights.appendChild(document.createTextNode(piece));
      else highlights.appendChild(el("mark", { class: "act-" + names[level[i]], text: piece }));
      i = j;
    }
    // A final newline needs a character after it to take up its line.
    highlights.appendChild(document.createTextNode("\u200b"));
    backdrop.scrollTop = textarea.scrollTop;
  }

  // --- the review panel ------------------------------------------------------------------
  function applyFix(fix) {
    const chars = Array.from(textarea.value);
    const next = chars.slice(0, fix.start).join("") + fix.replacement + chars.slice(fix.end).join("");
    textarea.value = next;
    textarea.focus();
    schedule(0);
  }

  function renderReview(review) {
    current = review;
    findingsList.replaceChildren();
    if (!review) {
      status.replaceChildren(document.createTextNode(texts.empty));
      renderHighlights([]);
      updateCoach(null);
      return;
    }
    status.replaceChildren(
      el("span", { class: "badge verdict-" + review.verdict, text: texts["v_" + review.verdict] }),
      document.createTextNode(" " + texts[review.verdict])
    );
    if (!review.findings.length) {
      findingsList.appendChild(el("li", { class: "muted", text: texts.nofindings }));
    }
    review.findings.forEach((f) => {
      const parts = [
        el("p", {}, [
          el("span", { class: "badge verdict-" + f.action, text: texts["act_" + f.action] || f.action }),
          document.createTextNode(" " + f.message),
        ]),
        el("p", { class: "muted small" }, [
          document.createTextNode(texts.rule + ": "),
          el("code", { text: f.rule }),
          document.createTextNode(" · «" + f.snippet + "»"),
        ]),
      ];
      if (f.fix) {
        const button = el("button", { type: "button", class: "fix", text: texts.apply + ": " + f.fix.label });
        button.addEventListener("click", () => applyFix(f.fix));
        parts.push(el("p", {}, [button]));
      }
      findingsList.appendChild(el("li", { class: "finding act-" + f.action, "data-rule": f.rule }, parts));
    });
    renderHighlights(review.findings);
    updateCoach(review);
  }

  function updateCoach(review) {
    const personal = chosen().some((c) => c.dataset.kind === "personal");
    coach.hidden = !personal;
    const rules = new Set(((review && review.findings) || []).map((f) => f.rule));
    coach.querySelectorAll("li[data-rule]").forEach((li) => {
      const todo = rules.has(li.dataset.rule);
      li.classList.toggle("todo", todo);
      li.classList.toggle("done", !todo && !!review);
    });
  }

  async function runReview() {
    const text = textarea.value;
    const accounts = chosen();
    updateCounts();
    if (!text.trim()) { renderReview(null); return; }
    const networks = Array.from(new Set(accounts.map((c) => c.dataset.network)));
    const body = {
      text: text,
      account: accounts.length && accounts[0].dataset.kind === "personal" ? "personal" : "brand",
      channel: networks.length === 1 ? networks[0] : null,
      author: author,
      reply_to: replyTo && replyTo.value.trim() ? replyTo.value : null,
    };
    const mine = ++sequence;
    status.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/v1/review", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        credentials: "same-origin",
        body: JSON.stringify(body),
      });
      if (mine !== sequence) return; // a newer request is on its way
      if (!response.ok) throw new Error(String(response.status));
      renderReview(await response.json());
      form.dataset.reviewed = String(mine);
    } catch (e) {
      if (mine === sequence) status.replaceChildren(document.createTextNode(texts.failed));
    } finally {
      status.removeAttribute("aria-busy");
    }
  }

  function schedule(delay) {
    clearTimeout(timer);
    renderHighlights(current ? current.findings : []);
    timer = setTimeout(runReview, delay);
  }

  textarea.addEventListener("input", () => { current = null; renderHighlights([]); schedule(250); });
  textarea.addEventListener("scroll", () => { backdrop.scrollTop = textarea.scrollTop; });
  form.querySelectorAll('input[name="account"]').forEach((c) => c.addEventListener("change", () => schedule(0)));
  if (replyTo) replyTo.addEventListener("input", () => schedule(400));
  if ("ResizeObserver" in window) {
    new ResizeObserver(() => { backdrop.style.height = textarea.offsetHeight + "px"; }).observe(textarea);
  }
  updateCounts();
  if (current) { renderReview(current); } else if (textarea.value.trim()) { schedule(0); } else { updateCoach(null); }
})();
