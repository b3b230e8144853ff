// Small behaviours of the pages, here rather than inline (the Content-Security-Policy allows
// scripts from this app's files only).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.matches && box.matches("input[data-tick-all]")) {
    const name = box.dataset.tickAll;
    document.querySelectorAll(`input[name="${name}"]`).forEach((c) => { c.checked = box.checked; });
  }
});
