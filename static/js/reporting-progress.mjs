// Progressive enhancement for a police.uk import's page: follow its progress without the
// person pressing "Check progress", and show the summary when it has finished. The page works
// the same without this file.
const panel = document.querySelector('[data-module="app-import-progress"]');

if (panel && panel.dataset.finished !== "true") {
  const bar = panel.querySelector("progress");
  const percent = panel.querySelector('[data-testid="import-percent"]');
  const status = panel.querySelector("#import-status");

  const check = async () => {
    try {
      const response = await fetch(panel.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const progress = await response.json();
      bar.value = progress.percent;
      bar.textContent = `${progress.percent}%`;
      percent.textContent = progress.percent;
      status.textContent = `${progress.status_label}: ${progress.rows_done} of about ${progress.rows_total} rows read.`;
      if (progress.finished) {
        window.location.reload();
        return;
      }
    } catch {
      // The network hiccupped: try again on the next tick; the link still works.
    }
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 1000);
}
