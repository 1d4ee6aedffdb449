// The policy editor: line numbers beside the YAML, error lines marked, and links that jump to
// a line (select it in the text area). Without JavaScript the page works the same, less these.
(function () {
  "use strict";
  var area = document.getElementById("source");
  if (!area) { return; }
  var bad = {};
  (area.getAttribute("data-error-lines") || "").split(" ").forEach(function (n) {
    if (n) { bad[n] = true; }
  });

  var gutter = document.createElement("pre");
  gutter.className = "gutter";
  gutter.setAttribute("aria-hidden", "true");
  area.parentNode.insertBefore(gutter, area);

  var shown = 0;
  function numbers() {
    var count = area.value.split("\n").length;
    if (count === shown) { return; }
    shown = count;
    var parts = [];
    for (var i = 1; i <= count; i++) {
      parts.push(bad[i] ? '<span class="bad">' + i + "</span>" : String(i));
    }
    gutter.innerHTML = parts.join("\n") + "\n";
    sync();
  }
  function sync() { gutter.scrollTop = area.scrollTop; }

  function lineHeight() {
    var value = parseFloat(window.getComputedStyle(area).lineHeight);
    return isNaN(value) ? 18 : value;
  }

  function jump(line) {
    var lines = area.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i++) { start += lines[i].length + 1; }
    var end = start + lines[line - 1].length;
    area.focus();
    area.setSelectionRange(start, end);
    var height = lineHeight();
    area.scrollTop = Math.max(0, (line - 4) * height);
    sync();
    // Bring the line itself into view (the text area may be taller than the window).
    var top = area.getBoundingClientRect().top + window.scrollY + (line - 1) * height - area.scrollTop;
    window.scrollTo({ top: Math.max(0, top - window.innerHeight / 3) });
  }

  area.addEventListener("input", numbers);
  area.addEventListener("scroll", sync);
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.jump") : null;
    if (!link) { return; }
    event.preventDefault();
    jump(parseInt(link.getAttribute("data-line"), 10) || 1);
  });
  numbers();
  if (window.ResizeObserver) {
    new ResizeObserver(function () { gutter.style.height = area.offsetHeight + "px"; sync(); }).observe(area);
  }
})();
