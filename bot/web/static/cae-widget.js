/* CAE assistant: loads the chat widget (rasa-webchat, served next to this
 * file) and connects it to the assistant. One tag on any page:
 *   <script src="https://ASSISTANT/static/cae-widget.js"
 *           data-rasa-url="https://RASA" defer></script>
 * Options (data attributes of the same tag, all optional):
 *   data-container="#some-div"  the chat inside that element instead of the
 *                               floating button (a "start" button first)
 *   data-color="#1f5f8b"        main colour (header, button, your messages);
 *                               refused, with a console warning, when white
 *                               text on it is below 4.5:1 (WCAG AA)
 *   data-name="Assistant CAE"   name shown in the header
 *   data-greeting="…"           line under the name and on the start panel
 *   data-avatar="https://…/a.png"  the assistant's picture beside its messages
 *   data-cae="coop-lyon"        the CAE the assistant speaks for (caes/<slug>.yml):
 *                               sent with every message as metadata {"cae": …};
 *                               without it (or unknown), the network mode
 *
 * Privacy: nothing is written in the browser's storage and no connection is
 * opened before the visitor opens the chat (connectOn "open"; in a container
 * the widget is only mounted when the start button is pressed).
 * Accessibility (WCAG 2.1 AA) is added over rasa-webchat's markup here: names
 * of the icon buttons, the message list as a polite live log, quick replies as
 * buttons reachable with Tab and the arrow keys, Escape closes, the launcher
 * says how many messages are unread, focus goes back to the input.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="cae-widget.js"]');
  var base = new URL(".", script.src).href;
  var origin = new URL(base).origin;
  var rasaUrl = script.getAttribute("data-rasa-url") || origin.replace(/:\d+$/, ":5005");
  var containerSelector = script.getAttribute("data-container");
  var cae = (script.getAttribute("data-cae") || "").trim();
  var SESSION_KEY = "chat_session"; // rasa-webchat's storage key
  var DEFAULT_COLOR = "#1f5f8b";
  var MIN_CONTRAST = 4.5;

  // ------------------------------------------------------------- colours

  function parseHex(value) {
    var match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((value || "").trim());
    if (!match) return null;
    var hex = match[1].length === 3 ? match[1].replace(/(.)/g, "$1$1") : match[1];
    return [0, 2, 4].map(function (i) { return parseInt(hex.substr(i, 2), 16); });
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  /** WCAG contrast ratio of two #hex colours (null if one is not #hex). */
  function contrastRatio(a, b) {
    var x = parseHex(a), y = parseHex(b);
    if (!x || !y) return null;
    var l1 = luminance(x), l2 = luminance(y);
    return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  }

  /** The configured colour if white text on it reaches 4.5:1, else the default. */
  function checkedColor(value) {
    if (!value) return DEFAULT_COLOR;
    var ratio = contrastRatio(value, "#ffffff");
    if (ratio === null) {
      console.warn("cae-widget: data-color « " + value + " » n'est pas une couleur #rrggbb ; couleur par défaut utilisée.");
      return DEFAULT_COLOR;
    }
    if (ratio < MIN_CONTRAST) {
      console.warn("cae-widget: data-color « " + value + " » : contraste " + ratio.toFixed(2) +
                   ":1 avec le texte blanc, sous " + MIN_CONTRAST + ":1 (WCAG AA) ; couleur par défaut utilisée.");
      return DEFAULT_COLOR;
    }
    return value.trim();
  }

  var look = {
    color: checkedColor(script.getAttribute("data-color")),
    name: script.getAttribute("data-name") || "Assistant CAE",
    greeting: script.getAttribute("data-greeting") || "Coopératives d'Activité et d'Emploi",
    avatar: script.getAttribute("data-avatar") ? new URL(script.getAttribute("data-avatar"), document.baseURI).href : null
  };
  window.CaeWidget = { contrastRatio: contrastRatio, look: look };

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = base + "cae-widget.css";
  document.head.appendChild(style);
  document.documentElement.style.setProperty("--cae-color", look.color);

  // ------------------------------------------------------------- accessibility

  var announcer = null;
  var lastUnread = 0;
  var wantsInputFocus = false;

  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.className = "cae-sr-only";
      announcer.setAttribute("role", "status");
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    announcer.textContent = text;
  }

  function label(el, text) {
    if (el && el.getAttribute("aria-label") !== text) el.setAttribute("aria-label", text);
  }

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function input() {
    return document.querySelector(".rw-new-message");
  }

  function focusInput() {
    var box = input();
    if (box && !box.disabled) {
      box.focus();
      wantsInputFocus = false;
    } else {
      wantsInputFocus = true; // when it is enabled (connected)
    }
  }

  function unreadText(count) {
    return count === 1 ? "1 nouveau message" : count + " nouveaux messages";
  }

  /** Names, roles and keyboard access over rasa-webchat's markup (idempotent). */
  function enhance() {
    var container = document.querySelector(".rw-widget-container, .rw-widget-embedded");
    if (!container) return;
    setAttr(container, "role", "region");
    label(container, "Discussion avec " + look.name);
    var messages = container.querySelector(".rw-messages-container");
    if (messages) {
      setAttr(messages, "role", "log");
      setAttr(messages, "aria-live", "polite");
      setAttr(messages, "tabindex", "0");
      label(messages, "Messages de la conversation");
    }
    label(input(), "Votre message à " + look.name);
    label(container.querySelector(".rw-send"), "Envoyer le message");
    label(container.querySelector(".rw-close-button"), "Fermer la discussion");
    label(container.querySelector(".rw-toggle-fullscreen-button"), "Afficher en plein écran");
    container.querySelectorAll("svg").forEach(function (svg) { setAttr(svg, "aria-hidden", "true"); });
    var title = container.querySelector(".rw-title");
    if (title) {
      setAttr(title, "role", "heading");
      setAttr(title, "aria-level", "2");
    }
    var launcher = container.querySelector(".rw-launcher");
    if (launcher) {
      var open = container.classList.contains("rw-chat-open");
      var badge = launcher.querySelector(".rw-unread-count-pastille");
      var unread = open || !badge ? 0 : parseInt(badge.textContent, 10) || 0;
      label(launcher, open ? "Fermer la discussion"
        : "Ouvrir la discussion avec " + look.name + (unread ? " (" + unreadText(unread) + ")" : ""));
      setAttr(launcher, "aria-expanded", open ? "true" : "false");
      if (badge) setAttr(badge, "aria-hidden", "true");
      if (unread > lastUnread) announce(look.name + " : " + unreadText(unread));
      lastUnread = unread;
    }
    container.querySelectorAll("div.rw-reply").forEach(function (reply) {
      setAttr(reply, "role", "button");
      setAttr(reply, "tabindex", "0");
    });
    if (wantsInputFocus) focusInput();
  }

  function replyKeys(event) {
    var reply = event.target.closest && event.target.closest("div.rw-reply");
    if (!reply) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      reply.click();
      return;
    }
    var moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: "first", End: "last" };
    if (!(event.key in moves)) return;
    var group = Array.prototype.slice.call(reply.parentNode.querySelectorAll("div.rw-reply"));
    var index = group.indexOf(reply), move = moves[event.key];
    var next = move === "first" ? 0 : move === "last" ? group.length - 1
      : (index + move + group.length) % group.length;
    event.preventDefault();
    group[next].focus();
  }

  function wireKeyboard() {
    document.addEventListener("keydown", function (event) {
      replyKeys(event);
      if (event.key !== "Escape" || containerSelector) return;
      var container = document.querySelector(".rw-widget-container.rw-chat-open");
      if (!container) return;
      var close = container.querySelector(".rw-close-button") || container.querySelector(".rw-launcher");
      if (close) {
        event.preventDefault();
        close.click();
        setTimeout(function () {
          var launcher = document.querySelector(".rw-launcher");
          if (launcher) launcher.focus();
        }, 0);
      }
    });
    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target : null;
      if (!target) return;
      if (target.closest("div.rw-reply")) {
        setTimeout(focusInput, 0); // the replies may be gone: focus the input
      } else if (target.closest(".rw-launcher") && !document.querySelector(".rw-chat-open")) {
        setTimeout(focusInput, 0); // opening
      }
    }, true);
    document.addEventListener("submit", function (event) {
      if (event.target.closest && event.target.closest(".rw-sender")) setTimeout(focusInput, 0);
    }, true);
  }

  // ------------------------------------------------------------- start

  function options(container) {
    return {
      socketUrl: rasaUrl,
      socketPath: "/socket.io/",
      title: look.name,
      subtitle: look.greeting,
      profileAvatar: look.avatar,
      inputTextFieldHint: "Écrivez votre message…",
      connectingText: "Connexion à l'assistant…",
      embedded: Boolean(container),
      showCloseButton: !container,
      showFullScreenButton: false,
      hideWhenNotConnected: false,
      displayUnreadCount: true,
      withRules: false,
      // No connection and nothing stored before the visitor opens the chat
      // (in a container, the widget itself is mounted only on request).
      connectOn: container ? "mount" : "open",
      // The welcome (with its four choices) when a conversation starts.
      initPayload: "/greet",
      // Which CAE's site this is: read by the assistant when the conversation starts.
      customData: cae ? { cae: cae } : {},
      mainColor: look.color,
      userBackgroundColor: look.color,
      userTextColor: "#ffffff",
      // The conversation (and its session id) is kept in the browser once
      // started: a reload continues the same conversation.
      params: { storage: "local" },
      customMessageDelay: function (message) {
        return Math.min(800, 150 + 5 * message.length);
      }
    };
  }

  function mount(container) {
    function start() {
      new MutationObserver(enhance).observe(document.body, {
        childList: true, subtree: true, attributes: true, attributeFilter: ["class", "disabled"]
      });
      window.WebChat.default(options(container), container);
      enhance();
    }
    if (window.WebChat && window.WebChat.default) {
      start();
    } else {
      var bundle = document.createElement("script");
      bundle.src = base + "vendor/rasa-webchat.js";
      bundle.onload = start;
      document.head.appendChild(bundle);
    }
  }

  function alreadyStarted() {
    try {
      return Boolean(window.localStorage.getItem(SESSION_KEY));
    } catch (error) {
      return false;
    }
  }

  /** In a container: a start panel; the widget (and its connection) only on request. */
  function startPanel(container) {
    var panel = document.createElement("div");
    panel.className = "cae-start";
    var title = document.createElement("p");
    title.className = "cae-start-title";
    title.textContent = look.name;
    var greeting = document.createElement("p");
    greeting.textContent = look.greeting;
    var privacy = document.createElement("p");
    privacy.className = "cae-start-privacy";
    privacy.appendChild(document.createTextNode(
      "Rien n'est enregistré avant que vous commenciez la discussion. "));
    var link = document.createElement("a");
    link.href = origin + "/confidentialite";
    link.textContent = "Vos données et leur conservation";
    privacy.appendChild(link);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cae-start-button";
    button.textContent = "Commencer la discussion";
    button.addEventListener("click", function () {
      container.removeChild(panel);
      wantsInputFocus = true;
      mount(container);
    });
    panel.appendChild(title);
    panel.appendChild(greeting);
    panel.appendChild(button);
    panel.appendChild(privacy);
    container.appendChild(panel);
  }

  function init() {
    wireKeyboard();
    var container = containerSelector ? document.querySelector(containerSelector) : null;
    if (container && !alreadyStarted()) {
      startPanel(container);
    } else {
      mount(container);
    }
  }

  if (document.body) {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
