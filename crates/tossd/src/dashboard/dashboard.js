// The dashboard's script: the language switch, the live refresh of the page's data, and the request
// journal (object pages' "requests that touched it" and the journal page), read from /sim/v1/requests.
(() => {
  const english = document.documentElement.lang === 'en';
  const T = (ko, en) => (english ? en : ko);

  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => {
      document.cookie = `tossd_lang=${button.dataset.lang}; path=/; max-age=31536000; samesite=strict`;
      location.reload();
    });
  }

  // Text goes in as text nodes, never as markup.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) e.setAttribute(key, value);
    for (const child of children) e.append(child == null ? '' : child);
    return e;
  }

  // The live part: replaced when the server's version of it changed.
  const live = document.getElementById('live');
  async function refresh() {
    const url = new URL(location.href);
    url.hash = '';
    url.searchParams.set('live', '1');
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' } });
      const data = await response.json();
      if (data.version !== live.dataset.version) {
        live.innerHTML = data.html;
        live.dataset.version = data.version;
      }
      const now = document.getElementById('clock-now');
      if (now && data.now) now.textContent = data.now;
    } catch (_) {
      // Signed out or restarting: the next round tries again.
    }
  }
  if (live && live.dataset.poll) setInterval(refresh, 2000);

  async function requests(params) {
    try {
      const response = await fetch(`/sim/v1/requests?${params}`, { headers: { accept: 'application/json' } });
      if (!response.ok) return { error: response.status };
      const body = await response.json();
      return { entries: body.requests || [], next: body.nextCursor || null };
    } catch (_) {
      return { error: 0 };
    }
  }

  function unavailable(status) {
    const text = status === 404
      ? T('요청 기록을 쓸 수 없어요 (journal unavailable)', 'journal unavailable')
      : `${T('요청 기록을 읽지 못했어요', 'could not read the journal')} (${status})`;
    return el('p', { class: 'empty journal-unavailable' }, text);
  }

  function rows(entries, href) {
    return entries.map((e) =>
      el('tr', { 'data-id': e.id },
        el('td', {}, e.at),
        el('td', {}, el('a', { class: 'entry', href: href(e), 'data-id': e.id }, `${e.method} ${e.path}`)),
        el('td', { class: 'status' }, e.status),
        el('td', {}, `${e.durationMs} ms`),
        el('td', {}, e.nearMiss ? `${e.nearMiss.route}: ${e.nearMiss.reason}` : '')));
  }

  function table(entries, href) {
    if (!entries.length) return el('p', { class: 'empty' }, T('없음', 'none'));
    const head = [T('시각', 'At'), T('요청', 'Request'), T('상태', 'Status'), T('걸린 시간', 'Duration'),
      T('비슷한 경로', 'Near miss')].map((h) => el('th', {}, h));
    return el('table', {}, el('thead', {}, el('tr', {}, ...head)), el('tbody', {}, ...rows(entries, href)));
  }

  // An object page: the requests that named the object.
  const touched = document.getElementById('journal-entries');
  if (touched) {
    const object = touched.dataset.object;
    const body = touched.querySelector('.journal-body');
    const load = async () => {
      const found = await requests(new URLSearchParams({ object, limit: '20' }));
      const href = (e) => `/dashboard/journal?${new URLSearchParams({ object, id: e.id })}`;
      body.replaceChildren(found.error !== undefined ? unavailable(found.error) : table(found.entries, href));
    };
    load();
    setInterval(load, 2000);
  }

  // The journal page.
  const filters = document.getElementById('journal-filters');
  if (filters) {
    const list = document.getElementById('journal-list');
    const detail = document.getElementById('journal-detail');
    const more = document.getElementById('journal-more');
    const names = ['path', 'method', 'status', 'object'];
    const current = new URLSearchParams(location.search);
    for (const name of names) filters.elements[name].value = current.get(name) || '';
    let cursor = null;
    let paged = false;

    const query = () => {
      const params = new URLSearchParams();
      for (const name of names) {
        const value = filters.elements[name].value.trim();
        if (value) params.set(name, value);
      }
      return params;
    };
    const href = (e) => {
      const params = query();
      params.set('id', e.id);
      return `/dashboard/journal?${params}`;
    };
    const load = async () => {
      const found = await requests(query());
      if (found.error !== undefined) {
        list.replaceChildren(unavailable(found.error));
        more.hidden = true;
        return;
      }
      list.replaceChildren(table(found.entries, href));
      cursor = found.next;
      more.hidden = !cursor;
      paged = false;
    };
    more.addEventListener('click', async () => {
      const params = query();
      params.set('cursor', cursor);
      const found = await requests(params);
      if (found.error !== undefined) return;
      const tbody = list.querySelector('tbody');
      if (tbody) tbody.append(...rows(found.entries, href));
      cursor = found.next;
      more.hidden = !cursor;
      paged = true;
    });

    const block = (title, part) => {
      const shown = typeof part.body === 'string' ? part.body : JSON.stringify(part.body, null, 2);
      return el('div', { class: 'part' },
        el('h3', {}, title + (part.truncated ? T(' (잘림)', ' (truncated)') : '')),
        el('pre', { class: 'headers' }, JSON.stringify(part.headers, null, 2)),
        el('pre', { class: 'body' }, shown == null ? '' : shown));
    };
    const show = async (id) => {
      let response;
      try {
        response = await fetch(`/sim/v1/requests/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
      } catch (_) {
        return;
      }
      if (!response.ok) {
        detail.replaceChildren(unavailable(response.status));
        return;
      }
      const e = await response.json();
      const facts = [
        ['id', e.id], [T('시각', 'At'), e.at], [T('시뮬레이션 시각', 'Simulated at'), e.simulatedAt],
        [T('요청', 'Request'), `${e.method} ${e.path}${e.query ? `?${e.query}` : ''}`], [T('API', 'Family'), e.family],
        [T('호출자', 'Caller'), JSON.stringify(e.caller)], [T('상태', 'Status'), e.status],
        [T('걸린 시간', 'Duration'), `${e.durationMs} ms`], ['Idempotency-Key', e.idempotencyKey || '-'],
        [T('객체', 'Objects'), JSON.stringify(e.objects)],
        [T('비슷한 경로', 'Near miss'), e.nearMiss ? `${e.nearMiss.route}: ${e.nearMiss.reason}` : '-'],
      ];
      detail.replaceChildren(
        el('table', { class: 'fields' }, ...facts.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))),
        block(T('요청', 'Request'), e.request || {}),
        block(T('응답', 'Response'), e.response || {}));
    };

    filters.addEventListener('submit', (event) => {
      event.preventDefault();
      history.replaceState(null, '', `/dashboard/journal?${query()}`);
      load();
    });
    list.addEventListener('click', (event) => {
      const link = event.target.closest('a.entry');
      if (!link) return;
      event.preventDefault();
      history.replaceState(null, '', link.getAttribute('href'));
      show(link.dataset.id);
    });
    load();
    if (current.get('id')) show(current.get('id'));
    setInterval(() => { if (!paged) load(); }, 2000);
  }
})();
