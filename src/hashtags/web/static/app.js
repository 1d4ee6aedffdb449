// Every page. A table wider than its box scrolls inside it (.table-wrap); while it does, the
// box takes the keyboard focus, so that the arrow keys scroll it, and is a region named after
// its table, so that a screen reader says what the focus is on.
(function () {
  "use strict";
  function nameOf(wrap) {
    const caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    const section = wrap.closest("[aria-labelledby]");
    const heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    const title = heading || document.querySelector("main h1");
    return title ? title.textContent.replace(/\s+/g, " ").trim() : "";
  }
  function update(wrap) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", nameOf(wrap));
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }
  const wraps = document.querySelectorAll(".table-wrap");
  if ("ResizeObserver" in window) {
    // Also when a closed <details> with a table opens, or the window changes size.
    const observer = new ResizeObserver((entries) => entries.forEach((e) => update(e.target)));
    wraps.forEach((wrap) => observer.observe(wrap));
  } else {
    wraps.forEach(update);
  }
})();
