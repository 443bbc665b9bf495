/* Backstride rehab: hold/rest timer for exercise cards, and the stop page's print button.
   Plain JavaScript, no dependencies. Time is measured from timestamps, so a throttled
   background tab still shows the right time when you come back. */
(function () {
  "use strict";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function int(el, name) { return parseInt(el.getAttribute("data-" + name) || "0", 10) || 0; }

  function fmt(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60);
    return m ? m + ":" + String(s % 60).padStart(2, "0") : s + " s";
  }

  /* The steps of one exercise: timed holds, short relaxes between reps, rests between sets. */
  function plan(el) {
    var sets = Math.max(1, int(el, "sets")), reps = int(el, "reps"), hold = int(el, "hold"),
        rest = int(el, "rest"), duration = int(el, "duration"), sides = int(el, "per-side") ? 2 : 1;
    var steps = [];
    if (duration) { return [{ label: "Go: keep a comfortable pace", secs: duration, kind: "work" }]; }
    for (var s = 1; s <= sets; s++) {
      for (var side = 1; side <= sides; side++) {
        var sideText = sides === 2 ? (side === 1 ? " · first side" : " · other side") : "";
        if (hold) {
          var n = Math.max(1, reps);
          for (var r = 1; r <= n; r++) {
            var repText = reps > 1 ? " · rep " + r + " of " + n : "";
            steps.push({ label: "Set " + s + " of " + sets + sideText + repText + ": hold", secs: hold, kind: "work" });
            if (r < n) { steps.push({ label: "Relax", secs: 3, kind: "rest" }); }
          }
        } else {
          steps.push({ label: "Set " + s + " of " + sets + sideText + ": " + reps + " reps, then tap Next", secs: 0, kind: "work" });
        }
      }
      if (s < sets && rest) { steps.push({ label: "Rest before set " + (s + 1), secs: rest, kind: "rest" }); }
    }
    return steps;
  }

  function Timer(el) {
    this.el = el;
    this.steps = plan(el);
    this.label = el.querySelector("[data-label]");
    this.time = el.querySelector("[data-time]");
    this.live = el.querySelector("[data-live]");
    this.bar = el.querySelector("[data-bar]");
    this.startBtn = el.querySelector('[data-action="start"]');
    this.nextBtn = el.querySelector('[data-action="next"]');
    this.resetBtn = el.querySelector('[data-action="reset"]');
    this.startText = this.startBtn.textContent;
    this.index = -1; this.endsAt = 0; this.left = 0; this.running = false; this.tick = null;
    var self = this;
    this.startBtn.addEventListener("click", function () { self.toggle(); });
    this.nextBtn.addEventListener("click", function () { self.go(self.index + 1); });
    this.resetBtn.addEventListener("click", function () { self.reset(); });
  }

  Timer.prototype.announce = function (text) { this.live.textContent = text; };

  Timer.prototype.go = function (index) {
    if (index >= this.steps.length) { return this.finish(); }
    this.index = index;
    var step = this.steps[index];
    this.el.classList.toggle("is-rest", step.kind === "rest");
    this.label.textContent = step.label;
    this.announce(step.label + (step.secs ? ", " + fmt(step.secs) : ""));
    this.nextBtn.hidden = false; this.resetBtn.hidden = false;
    this.left = step.secs;
    this.endsAt = Date.now() + step.secs * 1000;
    this.running = true;
    this.startBtn.textContent = "Pause";
    this.render();
  };

  Timer.prototype.render = function () {
    var step = this.steps[this.index];
    if (!step) { return; }
    if (!step.secs) { this.time.textContent = ""; this.bar.style.width = "0"; return; }
    if (this.running) { this.left = (this.endsAt - Date.now()) / 1000; }
    this.time.textContent = fmt(this.left);
    var done = 1 - Math.max(0, this.left) / step.secs;
    this.bar.style.width = (reduceMotion ? Math.floor(done * 10) * 10 : done * 100) + "%";
    if (this.running && this.left <= 0) { this.go(this.index + 1); }
  };

  Timer.prototype.toggle = function () {
    var self = this;
    if (this.index < 0 || this.index >= this.steps.length) {
      this.go(0);
    } else if (this.running) {
      this.running = false; this.startBtn.textContent = "Resume"; this.announce("Paused");
    } else {
      this.running = true; this.endsAt = Date.now() + this.left * 1000; this.startBtn.textContent = "Pause";
    }
    if (!this.tick) { this.tick = window.setInterval(function () { self.render(); }, 250); }
  };

  Timer.prototype.finish = function () {
    this.running = false; this.index = this.steps.length;
    window.clearInterval(this.tick); this.tick = null;
    this.el.classList.remove("is-rest"); this.el.classList.add("is-finished");
    this.label.textContent = "Finished"; this.time.textContent = ""; this.bar.style.width = "100%";
    this.announce("Finished. Well done.");
    this.startBtn.textContent = "Start again"; this.nextBtn.hidden = true;
  };

  Timer.prototype.reset = function () {
    this.running = false; this.index = -1;
    window.clearInterval(this.tick); this.tick = null;
    this.el.classList.remove("is-rest", "is-finished");
    this.label.textContent = "Ready"; this.time.textContent = ""; this.bar.style.width = "0";
    this.startBtn.textContent = this.startText; this.nextBtn.hidden = true; this.resetBtn.hidden = true;
    this.announce("Timer reset");
  };

  function init() {
    var timers = document.querySelectorAll("[data-timer]");
    for (var i = 0; i < timers.length; i++) { timers[i].timer = new Timer(timers[i]); }
    var print = document.querySelectorAll("[data-print]");
    for (var j = 0; j < print.length; j++) {
      print[j].hidden = false;
      print[j].addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
