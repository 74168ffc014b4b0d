// Live updates for Nabij's pages, over the websocket described in docs/realtime.md.
//
// Every page works without this script; it only keeps what is on screen current. A page says
// what it follows in its markup, so this one script serves them all:
//   <body data-live-user="7" data-live-since="1234" data-live-texts="{...}">  signed in: follow
//       user:7 for personal messages, resume after event 1234 (the newest when the page was
//       made), and word messages with the server's translations;
//   <section id="x" data-live-topic="meetup:42" data-live-refresh="meetup.changed ...">  when one
//       of these events arrives on that topic, fetch the page again and swap in the new #x;
//   <dd data-live-field="seats_taken">  set from the event's data at once (no fetch: thousands
//       of people may look at one meetup).
// It reconnects with growing, jittered delays and resumes with since, so nothing is missed.
(function () {
  'use strict';

  var body = document.body;
  var userID = body.getAttribute('data-live-user');
  if (!userID || !window.WebSocket || !window.fetch || !window.DOMParser) {
    return;
  }
  var texts = {};
  try {
    texts = JSON.parse(body.getAttribute('data-live-texts') || '{}');
  } catch (e) {
    texts = {};
  }
  var since = parseInt(body.getAttribute('data-live-since') || '0', 10) || 0;

  // The topics this page follows, each with the last event id seen on it.
  var topics = {};
  topics['user:' + userID] = since;
  each(document.querySelectorAll('[data-live-topic]'), function (el) {
    el.getAttribute('data-live-topic').split(/\s+/).forEach(function (t) {
      if (t) {
        topics[t] = since;
      }
    });
  });

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function say(key, values) {
    var s = texts[key] || '';
    return s.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] != null ? String(values[name]) : '';
    });
  }

  // Regions: fetch the page again (one fetch for several events arriving together, a little
  // later and at a random moment, so that a crowd of readers does not arrive all at once) and
  // swap in the regions that asked for it. A region someone is typing in is left alone until
  // they leave it.
  var pending = {};
  var timer = null;

  function refresh(id) {
    pending[id] = true;
    if (!timer) {
      timer = setTimeout(reload, 300 + Math.random() * 700);
    }
  }

  function reload() {
    timer = null;
    var ids = Object.keys(pending);
    pending = {};
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) {
        if (!r.ok) {
          throw new Error('status ' + r.status);
        }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        ids.forEach(function (id) {
          var old = document.getElementById(id);
          var fresh = doc.getElementById(id);
          if (!old) {
            return;
          }
          if (busy(old)) {
            setTimeout(function () {
              refresh(id);
            }, 5000);
            return;
          }
          if (fresh) {
            old.replaceWith(document.importNode(fresh, true));
          } else {
            old.hidden = true; // the region is gone from the page (a form that no longer applies)
          }
        });
      })
      .catch(function () {
        ids.forEach(function (id) {
          pending[id] = true;
        });
        if (!timer) {
          timer = setTimeout(reload, 5000);
        }
      });
  }

  // busy: someone is in the region or has typed or chosen something there not yet sent.
  function busy(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    var fields = el.querySelectorAll('input, textarea, select');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === 'hidden') {
        continue;
      }
      if (f.tagName === 'SELECT') {
        var chosen = 0; // without a selected attribute, the first option is the default
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].defaultSelected) {
            chosen = j;
          }
        }
        if (f.selectedIndex !== chosen) {
          return true;
        }
      } else if (f.type === 'checkbox' || f.type === 'radio' ? f.checked !== f.defaultChecked : f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function refreshFor(topic, event) {
    each(document.querySelectorAll('[data-live-topic][data-live-refresh]'), function (el) {
      var follows = el.getAttribute('data-live-topic').split(/\s+/);
      var on = el.getAttribute('data-live-refresh').split(/\s+/);
      if (el.id && follows.indexOf(topic) >= 0 && (event === '*' || on.indexOf(event) >= 0)) {
        refresh(el.id);
      }
    });
  }

  // Seats: the figures come with every rsvp.changed; set them where the page shows them.
  function seats(topic, d) {
    each(document.querySelectorAll('[data-live-topic~="' + topic + '"] [data-live-field]'), function (el) {
      var f = el.getAttribute('data-live-field');
      if (f === 'seats') {
        el.textContent = seatsText(d);
      } else if (d[f] != null) {
        el.textContent = String(d[f]);
      }
    });
    // Whether it is full decides the sign-up button's words: those regions are fetched again.
    var holder = document.querySelector('[data-live-topic~="' + topic + '"][data-live-full]');
    var full = String(d.capacity != null && d.seats_left === 0);
    if (holder && holder.getAttribute('data-live-full') !== full) {
      holder.setAttribute('data-live-full', full);
      refreshFor(topic, 'seats.full');
    }
  }

  function seatsText(d) {
    if (d.status === 'cancelled' || d.status === 'draft') {
      return say('status.' + d.status);
    }
    if (d.capacity == null) {
      return say('seats.going', { n: d.seats_taken });
    }
    if (d.seats_left > 0) {
      return say('seats.left', { n: d.seats_left });
    }
    if (d.waitlist_count > 0) {
      return say('seats.full') + ' · ' + say('seats.waitlist', { n: d.waitlist_count });
    }
    return say('seats.full');
  }

  // Personal messages: the badge in the header counts up, and a short message appears, read
  // out politely by screen readers (the region is aria-live="polite").
  function notification(d) {
    var link = document.querySelector('a.notif');
    if (link) {
      var badge = link.querySelector('.badge');
      var n = badge ? (parseInt(badge.textContent, 10) || 0) + 1 : 1;
      if (!badge) {
        badge = document.createElement('span');
        badge.className = 'badge';
        link.appendChild(document.createTextNode(' '));
        link.appendChild(badge);
      }
      badge.textContent = String(n);
      badge.setAttribute('aria-label', say('badge', { n: n }));
    }
    var text = say('kind.' + d.kind, { meetup: d.meetup_title || '', group: d.group_name || '', actor: d.actor_name || '',
      need: d.need_title || say('need') });
    if (text) {
      message(text, d.meetup_id ? '/meetups/' + d.meetup_id : d.group_id ? '/groups/' + d.group_id
        : d.need_id ? '/needs/' + d.need_id : '/notifications');
    }
  }

  function message(text, href) {
    var box = document.getElementById('live-messages');
    if (!box) {
      return;
    }
    var item = document.createElement('div');
    item.className = 'live-message';
    var p = document.createElement('p');
    p.textContent = text + ' ';
    var a = document.createElement('a');
    a.href = href;
    a.textContent = say('open');
    p.appendChild(a);
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'link';
    close.textContent = say('close');
    close.addEventListener('click', function () {
      item.remove();
    });
    item.appendChild(p);
    item.appendChild(close);
    box.appendChild(item);
  }

  function handle(m) {
    if (m.event === 'notification.created') {
      notification(m.data || {});
    }
    if (m.event === 'rsvp.changed') {
      seats(m.topic, m.data || {});
    }
    refreshFor(m.topic, m.event);
  }

  // The connection: subscribe to every topic with the last id seen, and on a drop come back
  // after 1, 2, 4 ... up to 30 seconds, each with jitter, so a restarted server is not stormed.
  var attempt = 0;

  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    ws.onopen = function () {
      Object.keys(topics).forEach(function (t) {
        var msg = { type: 'subscribe', topic: t };
        if (topics[t] > 0) {
          msg.since = topics[t];
        }
        ws.send(JSON.stringify(msg));
      });
    };
    ws.onmessage = function (e) {
      var m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (m.type === 'subscribed') {
        attempt = 0;
      } else if (m.type === 'event') {
        if (!(m.topic in topics) || m.id <= topics[m.topic]) {
          return; // seen already
        }
        topics[m.topic] = m.id;
        handle(m);
      } else if (m.type === 'resync') {
        refreshFor(m.topic, '*'); // too much was missed: fetch everything shown of it
      } else if (m.type === 'error' && m.code === 'forbidden' && m.topic) {
        delete topics[m.topic]; // no longer ours to follow (left a private group, say)
      }
    };
    ws.onclose = function () {
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt));
      attempt = Math.min(attempt + 1, 5);
      setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    };
  }

  connect();
})();
