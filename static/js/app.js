/* Beacon — progressive enhancement. No inline handlers, no eval (CSP: script-src 'self').
   Load with `defer`, after htmx. Everything here is optional: pages work without it. */
(function () {
  "use strict";

  var TOAST_MS = 6000;
  var MAX_TOASTS = 5;
  var CATEGORIES = { success: 1, error: 1, info: 1, warning: 1 };
  var ALIASES = { danger: "error", message: "info", warn: "warning" };
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
  var live = []; // toasts from HX-Trigger; they must survive a boosted swap of <body>

  function $all(root, selector) {
    var found = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll(selector)) : [];
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  /* ---------------------------------------------------------------- toasts */

  function region() {
    var el = document.getElementById("toasts");
    if (!el) {
      el = document.createElement("div");
      el.id = "toasts";
      el.className = "toasts";
      el.setAttribute("aria-live", "polite");
      el.setAttribute("role", "status");
      document.body.appendChild(el);
    }
    return el;
  }

  function category(value) {
    var c = String(value || "info").toLowerCase();
    c = ALIASES[c] || c;
    return CATEGORIES[c] ? c : "info";
  }

  function dismiss(toast) {
    if (!toast || toast.dataset.leaving) return;
    toast.dataset.leaving = "1";
    clearTimeout(toast._beaconTimer);
    live = live.filter(function (t) { return t !== toast; });
    var hadFocus = toast.contains(document.activeElement);
    var next = toast.nextElementSibling || toast.previousElementSibling;
    function remove() {
      if (toast.parentNode) toast.parentNode.removeChild(toast);
      if (hadFocus) {
        var btn = next && next.querySelector(".toast__close");
        if (btn) btn.focus();
      }
    }
    if (reducedMotion && reducedMotion.matches) return remove();
    toast.classList.add("is-leaving");
    toast.addEventListener("animationend", remove, { once: true });
    setTimeout(remove, 400); // in case animations are disabled
  }

  function schedule(toast) {
    clearTimeout(toast._beaconTimer);
    if (toast._beaconHover || toast._beaconFocus || toast.dataset.leaving) return;
    toast._beaconStart = Date.now();
    toast._beaconTimer = setTimeout(function () { dismiss(toast); }, toast._beaconLeft);
  }

  function pause(toast) {
    if (toast._beaconTimer) {
      clearTimeout(toast._beaconTimer);
      toast._beaconTimer = null;
      toast._beaconLeft = Math.max(1500, toast._beaconLeft - (Date.now() - toast._beaconStart));
    }
  }

  function initToast(toast) {
    if (toast.dataset.toastReady) return;
    toast.dataset.toastReady = "1";
    if (!toast.querySelector(".toast__close")) toast.appendChild(closeButton());
    if (toast.classList.contains("toast--error")) return; // errors stay until dismissed
    toast._beaconLeft = TOAST_MS;
    toast.addEventListener("mouseenter", function () { toast._beaconHover = true; pause(toast); });
    toast.addEventListener("mouseleave", function () { toast._beaconHover = false; schedule(toast); });
    toast.addEventListener("focusin", function () { toast._beaconFocus = true; pause(toast); });
    toast.addEventListener("focusout", function (e) {
      if (toast.contains(e.relatedTarget)) return;
      toast._beaconFocus = false;
      schedule(toast);
    });
    schedule(toast);
  }

  function closeButton() {
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "toast__close";
    btn.setAttribute("aria-label", "Dismiss");
    btn.textContent = "\u00d7";
    return btn;
  }

  function showToast(data) {
    if (data == null) return;
    if (typeof data === "string") data = { message: data };
    var message = data.message != null ? String(data.message) : "";
    if (!message) return;
    var box = region();
    var toast = document.createElement("div");
    toast.className = "toast toast--" + category(data.category);
    toast.appendChild(document.createTextNode(message));
    toast.appendChild(closeButton());
    box.appendChild(toast);
    live.push(toast);
    var all = box.querySelectorAll(".toast:not([data-leaving])");
    for (var i = 0; i < all.length - MAX_TOASTS; i++) dismiss(all[i]);
    initToast(toast);
  }

  // HX-Trigger: {"toast": [{"category": "...", "message": "..."}]} -> event.detail.value
  document.addEventListener("toast", function (evt) {
    var detail = evt.detail || {};
    var items = detail.value !== undefined ? detail.value : detail;
    if (!Array.isArray(items)) items = [items];
    items.forEach(showToast);
  });

  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest(".toast__close");
    if (btn) dismiss(btn.closest(".toast"));
  });

  // HX-Trigger fires before the swap: if the swap replaced the toast region
  // (hx-boost swaps all of <body>), move the still-live toasts into the new one.
  document.addEventListener("htmx:afterSwap", function () {
    syncDrawer();
    live.forEach(function (t) {
      if (!t.isConnected && !t.dataset.leaving) region().appendChild(t);
    });
  });

  // Back/forward restores from htmx's history cache would resurrect stale toasts.
  document.addEventListener("htmx:historyRestore", function () {
    $all(document, "#toasts .toast").forEach(function (t) { t.parentNode.removeChild(t); });
  });

  window.Beacon = { toast: showToast };

  /* -------------------------------------------------------------- confirm */

  function confirmMessage(el) {
    if (!el || !el.getAttribute) return null;
    var msg = el.getAttribute("data-confirm");
    if (msg == null) {
      var form = el.form || (el.closest && el.closest("form"));
      msg = form ? form.getAttribute("data-confirm") : null;
    }
    return msg;
  }

  // Plain (non-htmx) submits. htmx cancels the native submit for forms it
  // handles before the event reaches document, so those are skipped here.
  document.addEventListener("submit", function (evt) {
    if (evt.defaultPrevented) return;
    var form = evt.target;
    var msg = (evt.submitter && evt.submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg != null && !window.confirm(msg || "Are you sure?")) evt.preventDefault();
  });

  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail && evt.detail.elt ? evt.detail.elt : evt.target;
    var submitter = evt.detail && evt.detail.triggeringEvent && evt.detail.triggeringEvent.submitter;
    var msg = (submitter && submitter.getAttribute("data-confirm")) || confirmMessage(elt);
    if (msg == null) return;
    evt.preventDefault();
    if (window.confirm(msg || "Are you sure?")) evt.detail.issueRequest(true);
  });

  /* ----------------------------------------------------- focus on errors */

  function focusFirstError(root) {
    var scopes = $all(root, "[data-autofocus-error]");
    if (!scopes.length && root.closest) {
      var outer = root.closest("[data-autofocus-error]");
      if (outer) scopes = [root];
    }
    for (var i = 0; i < scopes.length; i++) {
      var field = scopes[i].querySelector('[aria-invalid="true"]');
      if (field) {
        field.focus();
        return;
      }
    }
  }

  /* -------------------------------------------------------- header menus */

  var wide = window.matchMedia ? window.matchMedia("(min-width: 48rem)") : null;

  function syncDrawer() {
    $all(document, "details.nav-drawer").forEach(function (d) {
      d.open = !wide || wide.matches;
    });
  }
  if (wide) {
    if (wide.addEventListener) wide.addEventListener("change", syncDrawer);
    else if (wide.addListener) wide.addListener(syncDrawer);
  }

  // Close the header menus a click was not in; on phones also the drawer, unless
  // the click was inside it (its "Manage" menu, for example).
  function closeMenus(target) {
    var menu = target.closest ? target.closest("details.user-menu, details.nav-menu") : null;
    var drawer = target.closest ? target.closest("details.nav-drawer") : null;
    $all(document, "details.user-menu[open], details.nav-menu[open]").forEach(function (d) {
      if (d !== menu) d.open = false;
    });
    if (wide && !wide.matches) {
      $all(document, "details.nav-drawer[open]").forEach(function (d) {
        if (d !== drawer) d.open = false;
      });
    }
  }

  document.addEventListener("click", function (evt) {
    closeMenus(evt.target);
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var open = evt.target.closest && evt.target.closest("details.user-menu[open], details.nav-menu[open], details.nav-drawer[open]");
    if (open && (!open.classList.contains("nav-drawer") || (wide && !wide.matches))) {
      open.open = false;
      var summary = open.querySelector("summary");
      if (summary) summary.focus();
    }
  });

  /* ------------------------------------------------------------- loading */

  function onLoad(root) {
    if (root.querySelector && (root.matches("details.nav-drawer") || root.querySelector("details.nav-drawer"))) syncDrawer();
    $all(root, ".toast").forEach(initToast);
    focusFirstError(root);
    // New content swapped into part of the page (the next lesson card, an
    // answered question, a quiz result): move focus to its marked element, so
    // keyboard and screen-reader users land on it instead of on <body>.
    // htmx calls this once per new top-level element, in document order.
    if (root !== document.body && root.matches && !root.querySelector('[aria-invalid="true"]')) {
      var target = focusTarget(root);
      if (target) target.focus({ preventScroll: true });
    }
  }

  // A [data-focus-first] element (a quiz result) wins over [data-focus-on-swap].
  function focusTarget(root) {
    return root.querySelector("[data-focus-first]") ||
      (root.matches("[data-focus-on-swap]") ? root : root.querySelector("[data-focus-on-swap]"));
  }

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  ready(syncDrawer);

  if (window.htmx && typeof window.htmx.onLoad === "function") {
    window.htmx.onLoad(onLoad); // fires for <body> on first load, then for each swap
  } else {
    ready(function () { onLoad(document.body); });
  }
})();
