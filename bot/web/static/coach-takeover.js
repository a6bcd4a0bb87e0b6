// Live takeover on a conversation page: the person's messages arrive through
// server-sent events (no reload); the coach's messages are posted without
// leaving the page. Every text is inserted with textContent (never as HTML).
// No inline script (strict CSP).
(function () {
  "use strict";
  var box = document.getElementById("takeover");
  var list = document.querySelector("ol.transcript");
  if (!box || !list || !window.EventSource) { return; }
  var state = box.querySelector(".takeover-state");
  var AUTHORS = { person: "La personne", assistant: "L'assistant" };

  function line(kind, author, text, pending) {
    var item = document.createElement("li");
    item.className = (kind === "user" ? "user" : "bot") + (author && !AUTHORS[author] ? " coach" : "") + " live";
    var who = document.createElement("span");
    who.className = "author";
    who.textContent = AUTHORS[author] || author;
    var body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    item.appendChild(who);
    item.appendChild(body);
    if (pending) {
      var note = document.createElement("p");
      note.className = "meta";
      note.textContent = "envoyé : la personne le lit dans sa conversation";
      item.appendChild(note);
    }
    list.appendChild(item);
  }

  var source = new EventSource(box.getAttribute("data-stream"));
  source.addEventListener("message", function (event) {
    var item = JSON.parse(event.data);
    // A coach's message was shown when sent; the person's and the assistant's now.
    if (item.kind === "user" || item.author === "assistant") { line(item.kind, item.author, item.text); }
  });
  source.addEventListener("state", function (event) {
    var holder = JSON.parse(event.data).holder;
    state.textContent = holder ? "En direct avec " + holder + " : l'assistant ne répond plus dans cette conversation."
                               : "L'assistant répond à cette personne.";
  });

  var form = box.querySelector(".takeover-form");
  if (!form) { return; }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var field = form.querySelector("textarea");
    var text = field.value.trim();
    if (!text) { return; }
    fetch(box.getAttribute("data-send"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": box.getAttribute("data-csrf") },
      body: JSON.stringify({ text: text })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.message || "Envoi impossible."); }
        line("bot", body.author, body.text, true);
        field.value = "";
      });
    }).catch(function (error) { state.textContent = error.message; });
  });
})();
