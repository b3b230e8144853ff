// Small behaviours of the pages, here rather than inline (the Content-Security-Policy allows
// scripts from this app's files only).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.matches && box.matches("input[data-tick-all]")) {
    const name = box.dataset.tickAll;
    document.querySelectorAll(`input[name="${name}"]`).forEach((c) => { c.checked = box.checked; });
    // The table header's box and the phone's one above the cards stay in step.
    document.querySelectorAll(`input[data-tick-all="${name}"]`).forEach((c) => { c.checked = box.checked; });
  }
});

// On a phone a data table's rows become cards: each cell shows its column's header as a label.
function labelCells(root) {
  root.querySelectorAll("table.data").forEach((table) => {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.dataset.label || th.textContent.trim());
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach((row) => {
      let column = 0;
      Array.from(row.children).forEach((cell) => {
        if (!cell.hasAttribute("data-label") && heads[column]) cell.setAttribute("data-label", heads[column]);
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSettle", (event) => labelCells(event.target));
