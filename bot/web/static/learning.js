// Dashboard, "Apprentissage": follows a candidate's training in the progress
// bar (polls /coach/apprentissage/etat) and reloads the page when it ends, to
// show the comparison or the reason of the failure. No inline script: the
// dashboard's Content-Security-Policy allows scripts from our origin only.
(function () {
  "use strict";
  var box = document.getElementById("learning-status");
  if (!box) { return; }
  var running = ["starting", "waiting", "training", "evaluating"];
  if (running.indexOf(box.getAttribute("data-state")) < 0) { return; }
  var bar = document.getElementById("training-progress");
  var stage = document.getElementById("training-stage");
  var retrain = document.getElementById("retrain");
  if (retrain) { retrain.disabled = true; }

  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) { return reply.json(); })
      .then(function (status) {
        if (bar && typeof status.progress === "number") {
          bar.value = status.progress;
          bar.textContent = status.progress + " %";
        }
        if (stage && status.stage) { stage.textContent = status.stage; }
        box.setAttribute("data-state", status.state || "");
        if (running.indexOf(status.state) < 0) {
          window.location.replace(window.location.pathname);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
