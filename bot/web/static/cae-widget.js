/* CAE assistant: loads the chat widget (rasa-webchat, served next to this
 * file) and connects it to the assistant. One tag on any page:
 *   <script src="https://ASSISTANT/static/cae-widget.js"
 *           data-rasa-url="https://RASA" defer></script>
 * Optional: data-container="#some-div" shows the chat inside that element
 * (always open) instead of the floating button.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="cae-widget.js"]');
  var base = new URL(".", script.src).href;
  var rasaUrl = script.getAttribute("data-rasa-url") || new URL(base).origin.replace(/:\d+$/, ":5005");
  var containerSelector = script.getAttribute("data-container");

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = base + "cae-widget.css";
  document.head.appendChild(style);

  function start() {
    var container = containerSelector ? document.querySelector(containerSelector) : null;
    window.WebChat.default({
      socketUrl: rasaUrl,
      socketPath: "/socket.io/",
      title: "Assistant CAE",
      subtitle: "Coopératives d'Activité et d'Emploi",
      inputTextFieldHint: "Écrivez votre message…",
      connectingText: "Connexion à l'assistant…",
      embedded: Boolean(container),
      showCloseButton: !container,
      showFullScreenButton: false,
      hideWhenNotConnected: false,
      withRules: false,
      // The conversation (and its session id) is kept in the browser: a
      // reload continues the same conversation.
      params: { storage: "local" },
      customMessageDelay: function (message) {
        return Math.min(800, 150 + 5 * message.length);
      }
    }, container);
  }

  if (window.WebChat && window.WebChat.default) {
    start();
  } else {
    var bundle = document.createElement("script");
    bundle.src = base + "vendor/rasa-webchat.js";
    bundle.onload = start;
    document.head.appendChild(bundle);
  }
})();
