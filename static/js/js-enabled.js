// Runs first in <body>: marks the page as scripted so GOV.UK components style themselves.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
