/* Beacon — one-click sharing on an item's share page. No inline handlers, no eval.
   Loaded (defer) by templates/advocacy/item.html. Without it the share form posts
   normally and the page comes back with the share link to open: nothing is lost.

   On "Share on <network>", inside the click (so the browser allows both):
     1. copy the caption to the clipboard (LinkedIn and Facebook take only a URL),
     2. open a new tab,
   then post the share (it records the share and makes the person's tracked link)
   and send the new tab to the network's share page with that link. */
(function () {
  "use strict";

  if (window.BeaconShare) return; // a boosted visit back to the page must not bind twice

  function status(form, message, isError) {
    var box = document.getElementById("share-status");
    if (!box) return;
    box.textContent = message;
    box.classList.toggle("share-status--error", !!isError);
    box.classList.toggle("share-status--ok", !isError);
  }

  function copyWithSelection(text) {
    // Fallback for browsers without the async Clipboard API (or when it refuses).
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        return navigator.clipboard.writeText(text).then(
          function () { return true; },
          function () { return copyWithSelection(text); }
        );
      } catch (e) { /* fall through */ }
    }
    return Promise.resolve(copyWithSelection(text));
  }

  function readyLink(form, url, label) {
    // The tab could not be opened (a pop-up blocker): offer the link to click instead.
    var box = document.getElementById("share-status");
    if (!box) return;
    var link = document.createElement("a");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.className = "btn btn--primary btn--small";
    link.textContent = "Open " + label;
    box.appendChild(document.createTextNode(" "));
    box.appendChild(link);
  }

  function onSubmit(evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-share-form]")) return;
    evt.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button && button.disabled) return;
    var caption = (form.querySelector("[name=caption]") || {}).value || "";
    var label = form.getAttribute("data-network") || "the network";
    var wantsCopy = form.getAttribute("data-copy-caption") === "true";

    // Both must happen now, while the click still counts as the person's gesture.
    var copied = wantsCopy ? copy(caption) : Promise.resolve(false);
    var tab = window.open("", "_blank");
    if (tab) {
      try {
        tab.document.title = "Opening " + label + "…";
        tab.document.body.textContent = "Opening " + label + "…";
      } catch (e) { /* not ours to write: fine */ }
    }
    if (button) button.disabled = true;
    status(form, "Preparing your link…", false);

    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        return response.json().then(function (data) { return { code: response.status, data: data }; });
      })
      .then(function (result) {
        var data = result.data || {};
        if (result.code === 200 && data.share_url) {
          if (tab) {
            try { tab.opener = null; } catch (e) { /* ignore */ }
            tab.location.replace(data.share_url);
          }
          return copied.then(function (ok) {
            var message = data.message;
            if (data.copy_caption && !ok) {
              message = "Your link is ready. Copy your caption by hand, then paste it into the " + data.network + " post.";
            }
            status(form, message, false);
            if (!tab) readyLink(form, data.share_url, data.network);
            if (data.points && window.Beacon && window.Beacon.toast) {
              window.Beacon.toast({ category: "success", message: "+" + data.points + " points" });
            }
          });
        }
        if (tab) tab.close();
        if (result.code === 409 && data.redirect) {
          window.location.assign(data.redirect);
          return null;
        }
        var problems = (data.problems || []).join(" ");
        status(form, (data.error || "That did not work.") + (problems ? " " + problems : ""), true);
        return null;
      })
      .catch(function () {
        if (tab) tab.close();
        status(form, "Beacon could not be reached. Check your connection and try again.", true);
      })
      .then(function () {
        var current = form.querySelector("button[type=submit]");
        if (current && !form.querySelector(".caption-check--blocked")) current.disabled = false;
      });
  }

  document.addEventListener("submit", onSubmit);
  window.BeaconShare = { copy: copy };
})();
