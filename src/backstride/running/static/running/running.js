/* Backstride running pages: the run/walk interval timer and the calendar link's copy button.
   Plain JavaScript, no dependencies, nothing inline (works under a strict CSP).

   The timer keeps time from timestamps (Date.now()), never by counting ticks, so a locked
   screen or a throttled background tab shows the right step when you come back; its state
   is saved in localStorage, so a reload carries on. At each change it vibrates (where the
   phone can) and, if asked, beeps through WebAudio; it holds a screen wake lock while running
   where the browser offers one. */
(function () {
  "use strict";

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function clock(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
  }

  function spoken(seconds) {
    var s = Math.round(seconds), m = Math.floor(s / 60), r = s % 60;
    if (!m) { return r + " seconds"; }
    return m + (m === 1 ? " minute" : " minutes") + (r ? " " + r + " seconds" : "");
  }

  function RunTimer(el) {
    var source = document.getElementById("run-timer-steps");
    this.el = el;
    this.steps = source ? JSON.parse(source.textContent) : [];
    this.starts = [];
    var t = 0;
    for (var i = 0; i < this.steps.length; i++) { this.starts.push(t); t += this.steps[i].secs; }
    this.total = t;
    this.key = "backstride-run-timer-" + (el.getAttribute("data-key") || "");
    this.q = function (sel) { return el.querySelector(sel); };
    this.stepEl = this.q("[data-step]");
    this.clockEl = this.q("[data-clock]");
    this.nextEl = this.q("[data-next]");
    this.progress = this.q("[data-progress]");
    this.indexEl = this.q("[data-index]");
    this.totalEl = this.q("[data-total]");
    this.live = this.q("[data-live]");
    this.startBtn = this.q('[data-action="start"]');
    this.skipBtn = this.q('[data-action="skip"]');
    this.resetBtn = this.q('[data-action="reset"]');
    this.beepBox = this.q("[data-beep]");
    // accumulated: seconds done before `since`; since: timestamp (ms) of the last start, or 0
    this.accumulated = 0; this.since = 0; this.shown = -2; this.tick = null; this.lock = null; this.audio = null;
    this.restore();
    var self = this;
    this.startBtn.addEventListener("click", function () { self.toggle(); });
    this.skipBtn.addEventListener("click", function () { self.skip(); });
    this.resetBtn.addEventListener("click", function () { self.reset(); });
    this.beepBox.addEventListener("change", function () { if (self.beepBox.checked) { self.ensureAudio(); } self.save(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { self.render(); if (self.since) { self.wake(true); } }
    });
    this.render();
    if (this.since) { this.loop(); }
  }

  RunTimer.prototype.elapsed = function () {
    var e = this.accumulated + (this.since ? (Date.now() - this.since) / 1000 : 0);
    return Math.min(e, this.total);
  };

  RunTimer.prototype.indexAt = function (elapsed) {
    for (var i = this.steps.length - 1; i >= 0; i--) { if (elapsed >= this.starts[i]) { return i; } }
    return 0;
  };

  RunTimer.prototype.save = function () {
    try {
      localStorage.setItem(this.key, JSON.stringify({ accumulated: this.accumulated, since: this.since, beep: this.beepBox.checked }));
    } catch (e) { /* private mode: the timer still works, it just does not survive a reload */ }
  };

  RunTimer.prototype.restore = function () {
    try {
      var saved = JSON.parse(localStorage.getItem(this.key) || "null");
      if (saved && typeof saved.accumulated === "number") {
        this.accumulated = saved.accumulated; this.since = saved.since || 0; this.beepBox.checked = !!saved.beep;
      }
    } catch (e) { /* ignore a damaged entry */ }
  };

  RunTimer.prototype.toggle = function () {
    if (this.elapsed() >= this.total) { this.reset(); }
    if (this.since) {
      this.accumulated = this.elapsed(); this.since = 0;
      this.announce("Paused");
      this.wake(false);
    } else {
      this.ensureAudio();
      this.since = Date.now();
      this.shown = -2;  // announce the current step on resuming
      this.wake(true);
      this.loop();
    }
    this.save();
    this.render();
  };

  RunTimer.prototype.skip = function () {
    var i = this.indexAt(this.elapsed());
    var to = i + 1 < this.steps.length ? this.starts[i + 1] : this.total;
    this.accumulated = to;
    if (this.since) { this.since = Date.now(); }
    this.save();
    this.render();
  };

  RunTimer.prototype.reset = function () {
    this.accumulated = 0; this.since = 0; this.shown = -2;
    this.wake(false);
    this.save();
    this.render();
  };

  RunTimer.prototype.loop = function () {
    var self = this;
    if (this.tick) { return; }
    this.tick = window.setInterval(function () {
      self.render();
      if (!self.since) { window.clearInterval(self.tick); self.tick = null; }
    }, 250);
  };

  RunTimer.prototype.announce = function (text) { this.live.textContent = text; };

  RunTimer.prototype.ensureAudio = function () {
    if (this.audio || !this.beepBox.checked) { return; }
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) { try { this.audio = new Ctx(); } catch (e) { this.audio = null; } }
  };

  RunTimer.prototype.beep = function (kind) {
    if (!this.beepBox.checked) { return; }
    this.ensureAudio();
    var ctx = this.audio;
    if (!ctx) { return; }
    if (ctx.state === "suspended") { ctx.resume(); }
    var count = kind === "run" ? 2 : 1;  // two short beeps: run; one: walk
    for (var n = 0; n < count; n++) {
      var osc = ctx.createOscillator(), gain = ctx.createGain(), at = ctx.currentTime + n * 0.25;
      osc.frequency.value = kind === "run" ? 880 : 660;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(at); osc.stop(at + 0.2);
    }
  };

  RunTimer.prototype.buzz = function (kind) {
    if (navigator.vibrate) { navigator.vibrate(kind === "run" ? [200, 100, 200] : [400]); }
  };

  RunTimer.prototype.wake = function (on) {
    var self = this;
    if (on && !this.lock && navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").then(function (lock) {
        self.lock = lock;
        lock.addEventListener("release", function () { self.lock = null; });
      }).catch(function () { /* not allowed (battery saver): the timer still keeps time */ });
    } else if (!on && this.lock) {
      this.lock.release(); this.lock = null;
    }
  };

  RunTimer.prototype.render = function () {
    var steps = this.steps;
    if (!steps.length) { return; }
    var elapsed = this.elapsed(), done = elapsed >= this.total;
    var running = !!this.since && !done;
    var i = this.indexAt(elapsed), step = steps[i];
    var started = elapsed > 0 || running;
    if (done && this.since) { this.accumulated = this.total; this.since = 0; this.save(); this.wake(false); }

    this.el.classList.toggle("is-running", running);
    this.el.classList.toggle("is-ready", !started);
    this.el.classList.toggle("is-done", done);
    this.el.classList.toggle("is-run", !done && started && step.kind === "run");
    this.el.classList.toggle("is-walk", !done && started && step.kind !== "run");

    if (done) {
      this.stepEl.textContent = "Done: well done";
      this.clockEl.textContent = "0:00";
      this.nextEl.textContent = "Now the post-run care below, then log the session.";
    } else {
      var left = this.starts[i] + step.secs - elapsed;
      this.stepEl.textContent = (started ? "" : "First: ") + step.label;
      this.clockEl.textContent = clock(started ? left : step.secs);
      var next = steps[i + 1];
      this.nextEl.textContent = next ? "Next: " + next.label + " · " + clock(next.secs) : "Last step";
    }
    this.indexEl.textContent = "Step " + Math.min(i + 1, steps.length) + " of " + steps.length;
    this.totalEl.textContent = clock(this.total - elapsed) + " left in all";
    this.progress.value = this.total ? elapsed / this.total : 0;
    this.progress.textContent = Math.round(this.progress.value * 100) + "%";

    this.startBtn.textContent = running ? "Pause" : done ? "Start again" : started ? "Resume" : "Start";
    this.skipBtn.disabled = !started || done;
    this.resetBtn.hidden = !started;

    var shownNow = done ? steps.length : i;
    if (running || done) {
      if (this.shown !== shownNow) {
        if (this.shown !== -2 || started) {
          if (done) {
            this.announce("Session done. Well done.");
          } else {
            this.announce(step.label + ", " + spoken(this.starts[i] + step.secs - elapsed));
          }
          if (this.shown !== -2) { this.beep(done ? "walk" : step.kind); this.buzz(done ? "walk" : step.kind); }
        }
        this.shown = shownNow;
      }
    }
  };

  /* Copy the calendar link (the button is hidden where the clipboard is not available). */
  function copyButtons() {
    var buttons = document.querySelectorAll("[data-copy]");
    Array.prototype.forEach.call(buttons, function (btn) {
      var field = document.getElementById(btn.getAttribute("data-copy"));
      var status = document.querySelector("[data-copy-status]");
      if (!field || !navigator.clipboard) { return; }
      btn.hidden = false;
      btn.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          btn.textContent = "Copied";
          if (status) { status.textContent = "Link copied."; }
        }, function () {
          field.select();
          if (status) { status.textContent = "Select the link and copy it."; }
        });
      });
      field.addEventListener("focus", function () { field.select(); });
    });
  }

  function init() {
    var el = document.querySelector("[data-run-timer]");
    if (el) { el.runTimer = new RunTimer(el); }
    copyButtons();
    if (reduceMotion) { document.documentElement.classList.add("reduce-motion"); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
