// The admin UI: plain DOM, no framework, no build step. Every value that comes from the server
// or from a user (file names, error messages, chunk text, knowledge base names) is written with
// textContent or setAttribute, never parsed as HTML, so a file named like a script tag stays a name.
// Files' status reaches the page in one place (the "status" section → applyFiles): from the api's
// event stream of the shown knowledge base as each change is recorded, and from a poll of its file
// list (often while something is busy and the stream is not open; now and then as a backstop while
// it is). Changes it sees are announced to screen readers (politely; failures assertively).
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const ACTIVE = ['pending', 'processing'];
  const MODELS = { local: 'universal-sentence-encoder-lite', openai: 'text-embedding-3-small' };

  const state = {
    kbs: [],
    kb: null,
    files: [],
    selected: new Set(),
    rows: new Map(), // file uuid → its row elements, kept between polls so nothing flickers
    seen: null, // file uuid → the status last shown, to announce what changed; null until the first list
    timer: null,
    events: null, // the shown knowledge base's EventSource, while one is open or reconnecting
    eventsRefused: { wait: 0, until: 0 }, // after a refused stream: how long before asking again, and until when
    live: false, // the stream is open: the poll is only a backstop
    refreshSeq: 0,
    appliedSeq: 0,
    importShown: null, // { kb, id } of the import whose progress is shown
    importTimer: null,
    // The shown knowledge base's imports, newest first: the pages loaded so far, each one's row kept between polls.
    imports: { kb: null, items: [], next: null, rows: new Map(), timer: null, seq: 0 },
  };

  class ApiFailure extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function request(path, options = {}) {
    const init = { credentials: 'same-origin', method: options.method || 'GET', headers: {} };
    if (options.json !== undefined) {
      init.body = JSON.stringify(options.json);
      init.headers['content-type'] = 'application/json';
    } else if (options.body !== undefined) init.body = options.body;
    let response;
    try {
      response = await fetch(`/api/v1${path}`, init);
    } catch {
      throw new ApiFailure(0, 'The api is not reachable. Is it running?');
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.message ? (Array.isArray(body.message) ? body.message.join('; ') : String(body.message)) : `HTTP ${response.status}`;
      throw new ApiFailure(response.status, message);
    }
    return body;
  }

  /** A call made while signed in: a 401 means the session ended, so the sign-in form comes back. */
  async function api(path, options) {
    try {
      return await request(path, options);
    } catch (error) {
      if (error.status === 401) showSignin('Your session ended. Sign in again.');
      throw error;
    }
  }

  const items = (body) => (Array.isArray(body) ? body : (body && (body.items || body.data)) || []);

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key in node && !key.includes('-')) node[key] = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }

  // ---- session -------------------------------------------------------------------------------

  function showSignin(message = '') {
    stopStatus();
    showImport(null);
    resetImports();
    state.kb = null;
    $('app').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message;
    $('signin-key').focus();
  }

  async function showApp() {
    $('signin').hidden = true;
    $('app').hidden = false;
    await loadKnowledgeBases();
  }

  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('signin-key').value;
    $('signin-error').textContent = '';
    if (!key) {
      $('signin-error').textContent = 'Enter the admin key.';
      return;
    }
    const button = event.target.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await request('/auth/session', { method: 'POST', json: { key } });
      $('signin-key').value = '';
      await showApp();
    } catch (error) {
      $('signin-error').textContent = error.status === 401 ? 'That key was not accepted. Check ADMIN_API_KEY and try again.' : error.message;
      $('signin-key').select();
    } finally {
      button.disabled = false;
    }
  });

  $('signout').addEventListener('click', async () => {
    await fetch('/api/v1/auth/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
    showSignin();
  });

  // ---- knowledge bases -----------------------------------------------------------------------

  async function loadKnowledgeBases(preferId) {
    state.kbs = items(await api('/knowledge-bases'));
    renderKnowledgeBaseList();
    const wanted = preferId || (state.kb && state.kb.knowledgebase_id) || kbFromHash();
    const kb = state.kbs.find((k) => k.knowledgebase_id === wanted) || state.kbs[0];
    if (kb) await selectKnowledgeBase(kb);
    else {
      $('empty').hidden = false;
      $('kb-view').hidden = true;
    }
  }

  function kbFromHash() {
    try {
      return decodeURIComponent(location.hash.replace(/^#kb=/, ''));
    } catch {
      return '';
    }
  }

  function renderKnowledgeBaseList() {
    $('kb-list').replaceChildren(
      ...state.kbs.map((kb) =>
        el(
          'li',
          {},
          el(
            'button',
            {
              type: 'button',
              class: 'kb-item',
              'data-kb': kb.knowledgebase_id,
              'aria-current': state.kb && state.kb.knowledgebase_id === kb.knowledgebase_id ? 'page' : 'false',
              onclick: () => selectKnowledgeBase(kb).catch(showActionError),
            },
            el('span', { class: 'kb-name', text: kb.name || kb.knowledgebase_id }),
            el('span', { class: 'kb-id', text: kb.knowledgebase_id }),
          ),
        ),
      ),
    );
  }

  async function selectKnowledgeBase(kb) {
    const changed = !state.kb || state.kb.knowledgebase_id !== kb.knowledgebase_id;
    state.kb = kb;
    if (changed) {
      state.selected.clear();
      state.rows.clear();
      state.seen = null;
      state.files = [];
      $('file-rows').replaceChildren();
      $('search-results').replaceChildren();
      $('search-input').value = '';
      showImport(null);
      resetImports();
      $('import-error').textContent = '';
      setNotice('');
      showActionError(null);
    }
    history.replaceState(null, '', `#kb=${encodeURIComponent(kb.knowledgebase_id)}`);
    $('empty').hidden = true;
    $('kb-view').hidden = false;
    $('kb-title').textContent = kb.name || kb.knowledgebase_id;
    $('kb-meta').textContent =
      `${kb.knowledgebase_id} · ${kb.embedding_provider} / ${kb.embedding_model} · chunks of ${kb.chunk_size} tokens, ${kb.chunk_overlap} overlap`;
    for (const button of $('kb-list').querySelectorAll('button[data-kb]')) {
      button.setAttribute('aria-current', button.dataset.kb === kb.knowledgebase_id ? 'page' : 'false');
    }
    loadImports().catch(() => undefined);
    await refreshStatus();
  }

  function toggleKbForm(open) {
    $('kb-form').hidden = !open;
    $('kb-new').setAttribute('aria-expanded', String(open));
    if (open) $('kb-form').querySelector('input').focus();
  }
  $('kb-new').addEventListener('click', () => toggleKbForm($('kb-form').hidden));
  $('kb-cancel').addEventListener('click', () => {
    toggleKbForm(false);
    $('kb-new').focus();
  });
  $('kb-form').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      toggleKbForm(false);
      $('kb-new').focus();
    }
  });
  $('kb-provider').addEventListener('change', (event) => {
    $('kb-model').value = MODELS[event.target.value] || '';
  });

  $('kb-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('kb-error').textContent = '';
    const form = event.target;
    if (!form.reportValidity()) return;
    const body = Object.fromEntries(new FormData(form).entries());
    body.chunk_size = Number(body.chunk_size);
    body.chunk_overlap = Number(body.chunk_overlap);
    try {
      const kb = await api('/knowledge-bases', { method: 'POST', json: body });
      form.reset();
      toggleKbForm(false);
      await loadKnowledgeBases(kb.knowledgebase_id);
      $('content').focus(); // the form it was in is gone: on to the new base's page
    } catch (error) {
      $('kb-error').textContent = error.message;
    }
  });

  // ---- status: the one place files' status comes in ------------------------------------------

  function stopStatus() {
    clearTimeout(state.timer);
    state.timer = null;
    closeEvents();
  }

  /** Polls again soon while something is pending or processing and no stream is open, slowly otherwise. */
  function scheduleStatus() {
    clearTimeout(state.timer);
    const busy = state.files.some((f) => ACTIVE.includes(f.ingestion_status));
    const delay = state.live ? 30000 : busy && !document.hidden ? 1000 : 5000;
    state.timer = setTimeout(() => refreshStatus().catch(() => undefined), delay);
  }

  function closeEvents() {
    if (state.events) state.events.close();
    state.events = null;
    state.live = false;
  }

  /**
   * The knowledge base's event stream (docs/wire-contract.md#ingestion-events): each link change
   * as the api records it, merged into the file it belongs to. The browser reconnects by itself;
   * on every (re)open the list is fetched once, for what happened while it was closed. A stream
   * the api refuses (an older api: 404; an instance serving its most streams: 503) leaves the
   * poll to do the work, and is asked for again only after a while, longer each time: the page
   * cannot read the Retry-After of an EventSource's answer, and every poll asking again would
   * hammer an api that is full.
   */
  function openEvents(kbId) {
    if (typeof EventSource !== 'function' || (state.events && state.events.kbId === kbId)) return;
    if (Date.now() < state.eventsRefused.until) return;
    closeEvents();
    const source = new EventSource(`/api/v1/knowledge-bases/${encodeURIComponent(kbId)}/ingestions/events`, { withCredentials: true });
    source.kbId = kbId;
    state.events = source;
    source.addEventListener('open', () => {
      state.eventsRefused.wait = 0;
      const reopened = state.live === false && source.opened;
      source.opened = true;
      state.live = true;
      if (reopened) refreshStatus().catch(() => undefined);
      else scheduleStatus();
    });
    source.addEventListener('ingestion', (event) => {
      const link = eventData(event);
      if (!link) return;
      const index = state.files.findIndex((f) => f.uuid === link.file_uuid);
      // A file this page has not listed yet (uploaded elsewhere): the list brings it with its name.
      if (index < 0) return void refreshStatus().catch(() => undefined);
      const { file_uuid, ...fields } = link;
      const files = state.files.slice();
      files[index] = { ...files[index], ...fields, uuid: file_uuid };
      applyNewerFiles(kbId, files);
    });
    source.addEventListener('link_removed', (event) => {
      // Unreadable: the list asked for below says what is left.
      const removed = eventData(event);
      if (removed) fileRemoved(kbId, removed.file_uuid);
      refreshStatus().catch(() => undefined);
    });
    source.addEventListener('error', () => {
      state.live = false;
      // CLOSED: refused (the browser reconnects by itself only after a stream broke).
      if (source.readyState === EventSource.CLOSED && state.events === source) {
        state.events = null;
        const refused = state.eventsRefused;
        refused.wait = Math.min(refused.wait ? refused.wait * 2 : 15000, 120000);
        refused.until = Date.now() + refused.wait;
      }
      scheduleStatus();
    });
  }

  /** Fetches the shown knowledge base's files and applies them; the next poll is scheduled after. */
  async function refreshStatus() {
    if (!state.kb) return;
    const kbId = state.kb.knowledgebase_id;
    const seq = ++state.refreshSeq;
    try {
      const files = items(await api(`/knowledge-bases/${encodeURIComponent(kbId)}/files`));
      // An answer that comes back after a newer one is stale.
      if (seq < state.appliedSeq) return;
      state.appliedSeq = seq;
      applyFiles(kbId, files);
      openEvents(kbId);
    } finally {
      if (seq === state.refreshSeq && state.kb) scheduleStatus();
    }
  }

  /**
   * A file the api says has left knowledge base `kbId` (its removal answered, or the stream's
   * link_removed): its row goes at once, and every list asked before now is stale, for such a list,
   * answered later, would show it again. A change the stream sent before the removal then finds no
   * row to update, and asks for the list instead.
   */
  function fileRemoved(kbId, uuid) {
    if (!state.kb || state.kb.knowledgebase_id !== kbId) return;
    applyNewerFiles(
      kbId,
      state.files.filter((f) => f.uuid !== uuid),
    );
  }

  /** Files known newer than any list asked for before now (a change the api told): such a list, answered later, is stale. */
  function applyNewerFiles(kbId, files) {
    state.appliedSeq = state.refreshSeq + 1;
    applyFiles(kbId, files);
  }

  /** An event's JSON data, or null when it cannot be read. */
  function eventData(event) {
    try {
      return JSON.parse(event.data);
    } catch {
      return null;
    }
  }

  /** The files of knowledge base `kbId` as they are now: rows updated, changes announced. */
  function applyFiles(kbId, files) {
    if (!state.kb || state.kb.knowledgebase_id !== kbId) return; // for a base no longer shown
    announceChanges(files);
    state.files = files;
    renderFiles();
  }

  /** What changed since the last list; the first list of a base is what is there, not news. */
  function announceChanges(files) {
    const first = !state.seen;
    const seen = new Map();
    const said = [];
    const failed = [];
    for (const file of files) {
      const status = file.ingestion_status || 'not_started';
      seen.set(file.uuid, status);
      // A file new since the last list (just uploaded) counts as having been not started.
      const before = first ? status : state.seen.get(file.uuid) || 'not_started';
      if (before === status) continue;
      const title = file.title || file.uuid;
      if (status === 'failed') failed.push(`${title}: ingestion failed. ${file.ingestion_error || ''}`.trim());
      else if (status === 'completed') said.push(`${title}: completed, ${Number(file.chunk_count) || 0} chunks.`);
      else said.push(`${title}: ${statusLabel(status)}.`);
    }
    state.seen = seen;
    if (said.length) announce($('status-announcer'), said.join(' '));
    if (failed.length) announce($('error-announcer'), failed.join(' '));
  }

  /** Replaces a live region's text; emptied first so the same words twice are said twice. */
  function announce(region, text) {
    region.textContent = '';
    setTimeout(() => (region.textContent = text), 50);
  }

  // ---- files ---------------------------------------------------------------------------------

  const statusLabel = (status) => (status === 'not_started' ? 'not ingested' : status);

  function seconds(from, to) {
    if (!from) return null;
    const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
    return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
  }

  function formatDuration(s) {
    if (s === null) return '';
    if (s < 60) return `${s.toFixed(1)} s`;
    return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  }

  /** What a completed re-ingestion did (docs/wire-contract.md#re-ingestion): skipped unchanged, or chunks embedded and reused. */
  function attemptWork(file) {
    if (file.ingestion_status !== 'completed') return null;
    if ((file.ingestion_history || []).some((entry) => entry.event === 'unchanged_skipped')) return 'unchanged, skipped';
    if (Number(file.chunks_reused) > 0) return `${Number(file.chunks_embedded) || 0} embedded, ${Number(file.chunks_reused)} reused`;
    return null;
  }

  function formatSize(bytes) {
    const n = Number(bytes || 0);
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }

  /** The elements of one file's row, made once and updated on every poll. */
  function makeRow(uuid) {
    const checkbox = el('input', { type: 'checkbox', class: 'select' });
    checkbox.addEventListener('change', () => {
      if (checkbox.checked) state.selected.add(uuid);
      else state.selected.delete(uuid);
      renderSelection();
    });
    const name = el('div', { class: 'file-name' });
    const info = el('div', { class: 'file-info' });
    const badge = el('span', { class: 'badge' });
    const when = el('div', { class: 'sub' });
    const fill = el('span', { class: 'fill' });
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, fill);
    const percent = el('div', { class: 'sub' });
    const chunks = el('td', { class: 'num chunks' });
    const reingest = el('button', { type: 'button', class: 'btn small reingest', text: 'Re-ingest' });
    const remove = el('button', { type: 'button', class: 'btn small danger remove', text: 'Remove' });
    const tr = el(
      'tr',
      { class: 'file-row', 'data-file': uuid },
      el('td', {}, checkbox),
      el('td', { class: 'name' }, name, info),
      el('td', { class: 'status' }, badge, when),
      el('td', { class: 'progress' }, bar, percent),
      chunks,
      el('td', { class: 'actions' }, reingest, remove),
    );
    const errorText = el('div', { class: 'row-error' });
    const errorRow = el('tr', { class: 'error-row', 'data-error-for': uuid, hidden: true }, el('td', {}), el('td', { colSpan: 5 }, errorText));
    reingest.addEventListener('click', () => {
      if (reingest.getAttribute('aria-disabled') === 'true') return;
      const file = state.files.find((f) => f.uuid === uuid);
      act(async () => {
        await api(`/files/${uuid}/reingest`, { method: 'POST', json: { knowledgebase_id: state.kb.knowledgebase_id } });
        setNotice(`Queued ${file ? file.title : 'the file'} for ingestion.`);
      });
    });
    remove.addEventListener('click', async () => {
      const file = state.files.find((f) => f.uuid === uuid);
      const title = file ? file.title : 'this file';
      if (!(await confirmRemoval(title))) return;
      act(async () => {
        const kbId = state.kb.knowledgebase_id;
        const result = await api(`/knowledge-bases/${encodeURIComponent(kbId)}/files/${uuid}`, { method: 'DELETE' });
        fileRemoved(kbId, uuid);
        setNotice(`Removed ${title} (${result && result.deleted_chunks != null ? result.deleted_chunks : 0} chunks deleted).`);
      });
    });
    return { tr, errorRow, checkbox, name, info, badge, when, bar, fill, percent, chunks, reingest, remove, errorText };
  }

  // A dialog's close event comes a task after it closed. A question asked before the last one's
  // close event came (Remove pressed right after Cancel or Escape) would take that event as its
  // own answer, "cancel", and the Remove that really answers it would find nobody listening: so
  // each question is asked only once the one before it has its answer.
  let lastQuestion = Promise.resolve();

  /** Asks in the page's own modal dialog (focus starts on Cancel, Escape cancels); true to remove. */
  function confirmRemoval(title) {
    const dialog = $('confirm-remove');
    const asked = lastQuestion.then(
      () =>
        new Promise((resolve) => {
          $('confirm-remove-title').textContent = `Remove “${title}”?`;
          $('confirm-remove-text').textContent = 'The file and its chunks leave this knowledge base, and search stops finding them.';
          dialog.returnValue = '';
          dialog.addEventListener('close', () => resolve(dialog.returnValue === 'remove'), { once: true });
          dialog.showModal();
        }),
    );
    lastQuestion = asked;
    return asked;
  }

  function updateRow(row, file) {
    const status = file.ingestion_status || 'not_started';
    const progress = Math.max(0, Math.min(100, Math.round(Number(file.ingestion_progress || 0))));
    const title = file.title || file.uuid;
    row.tr.dataset.status = status;
    row.checkbox.checked = state.selected.has(file.uuid);
    row.checkbox.setAttribute('aria-label', `Select ${title}`);
    row.name.textContent = title;
    row.name.title = title;
    row.info.textContent = [formatSize(file.size), file.content_type, file.attempt > 1 ? `attempt ${file.attempt}` : null, attemptWork(file)].filter(Boolean).join(' · ');
    row.badge.className = `badge ${status}`;
    row.badge.textContent = statusLabel(status);
    const took = seconds(file.ingestion_started_at, ACTIVE.includes(status) ? null : file.ingestion_completed_at);
    row.when.textContent =
      status === 'not_started'
        ? ''
        : status === 'pending'
          ? 'waiting in the queue'
          : took === null
            ? ''
            : ACTIVE.includes(status)
              ? `running ${formatDuration(took)}`
              : `took ${formatDuration(took)}`;
    row.bar.className = `bar ${status}`;
    row.bar.setAttribute('aria-valuenow', String(progress));
    row.bar.setAttribute('aria-label', `Progress of ${title}`);
    row.fill.style.width = `${progress}%`;
    const counted = Number(file.total_docs) > 0 ? ` ${Number(file.processed_docs) || 0}/${Number(file.total_docs)}` : '';
    const stage = file.current_stage ? ` · ${file.current_stage}${counted}` : '';
    row.percent.textContent =
      status === 'processing'
        ? `${progress} %${stage}`
        : status === 'failed'
          ? `${progress} %${file.current_stage ? ` · stopped at ${file.current_stage}` : ''}`
          : `${progress} %`;
    row.bar.setAttribute('aria-valuetext', `${row.percent.textContent}, ${statusLabel(status)}`);
    row.chunks.textContent = file.chunk_count == null ? '–' : String(file.chunk_count);
    // Narrow screens show the count without its column header, so with its unit (admin.css).
    row.chunks.dataset.unit = file.chunk_count == null ? '' : Number(file.chunk_count) === 1 ? 'chunk' : 'chunks';
    // Not `disabled`: a disabled button drops the keyboard focus the moment the ingestion starts.
    row.reingest.setAttribute('aria-disabled', String(ACTIVE.includes(status)));
    row.reingest.textContent = status === 'not_started' ? 'Ingest' : 'Re-ingest';
    row.reingest.setAttribute('aria-label', `${status === 'not_started' ? 'Ingest' : 'Re-ingest'} ${title}`);
    row.reingest.title = ACTIVE.includes(status) ? 'Already queued or running' : '';
    row.remove.setAttribute('aria-label', `Remove ${title}`);
    const error = status === 'failed' && file.ingestion_error ? String(file.ingestion_error) : '';
    row.errorText.textContent = error;
    row.errorRow.hidden = !error;
    row.tr.classList.toggle('has-error', !!error);
  }

  function renderFiles() {
    const present = new Set(state.files.map((f) => f.uuid));
    // A row about to go that holds the focus: the focus moves to the row taking its place.
    const focusedRow = document.activeElement && document.activeElement.closest ? document.activeElement.closest('#file-rows tr.file-row') : null;
    const lostAt = focusedRow && !present.has(focusedRow.dataset.file) ? [...$('file-rows').querySelectorAll('tr.file-row')].indexOf(focusedRow) : -1;
    for (const uuid of [...state.selected]) if (!present.has(uuid)) state.selected.delete(uuid);
    for (const uuid of [...state.rows.keys()]) if (!present.has(uuid)) state.rows.delete(uuid);
    const nodes = [];
    for (const file of state.files) {
      let row = state.rows.get(file.uuid);
      if (!row) state.rows.set(file.uuid, (row = makeRow(file.uuid)));
      updateRow(row, file);
      nodes.push(row.tr, row.errorRow);
    }
    const tbody = $('file-rows');
    if (!nodes.length) {
      tbody.replaceChildren(el('tr', { class: 'placeholder' }, el('td', { colSpan: 6, text: 'No files yet. Upload some above.' })));
    } else {
      // Move only what is out of place, so focus and checkbox state survive a poll.
      let cursor = tbody.firstChild;
      for (const node of nodes) {
        if (node !== cursor) tbody.insertBefore(node, cursor);
        else cursor = cursor.nextSibling;
      }
      while (cursor) {
        const next = cursor.nextSibling;
        cursor.remove();
        cursor = next;
      }
    }
    if (lostAt >= 0) {
      const rows = tbody.querySelectorAll('tr.file-row');
      const next = rows[Math.min(lostAt, rows.length - 1)];
      (next ? next.querySelector('input.select') : $('files-title')).focus();
    }
    renderStats();
    renderSelection();
  }

  function renderStats() {
    const count = (status) => state.files.filter((f) => (f.ingestion_status || 'not_started') === status).length;
    const chunks = state.files.reduce((sum, f) => sum + (Number(f.chunk_count) || 0), 0);
    const stats = [
      ['files', state.files.length],
      ['completed', count('completed')],
      ['in progress', count('pending') + count('processing')],
      ['failed', count('failed')],
      ['chunks', chunks],
    ];
    $('kb-stats').replaceChildren(
      ...stats.map(([label, value]) => el('div', { class: `stat ${label.replace(' ', '-')}` }, el('dt', { text: label }), el('dd', { text: String(value) }))),
    );
  }

  function renderSelection() {
    const count = state.selected.size;
    $('ingest-selected').disabled = count === 0;
    $('selection-count').textContent = count ? `${count} selected` : state.files.length ? 'Select files to ingest them' : '';
    $('select-all').checked = count > 0 && count === state.files.length;
    $('select-all').indeterminate = count > 0 && count < state.files.length;
  }

  $('select-all').addEventListener('change', (event) => {
    state.selected = new Set(event.target.checked ? state.files.map((f) => f.uuid) : []);
    renderFiles();
  });

  function setNotice(text) {
    $('notice').textContent = text;
  }

  function showActionError(error) {
    $('action-error').textContent = error ? error.message : '';
  }

  /** When the focused control went away or was disabled, the focus goes to `fallback`, not to the page. */
  function keepFocus(fallback) {
    if (!document.activeElement || document.activeElement === document.body || document.activeElement.disabled) fallback.focus();
  }

  async function act(work) {
    showActionError(null);
    try {
      await work();
    } catch (error) {
      showActionError(error);
    }
    await refreshStatus().catch(() => undefined);
  }

  $('ingest-selected').addEventListener('click', () =>
    act(async () => {
      const uuids = [...state.selected];
      const button = $('ingest-selected');
      button.disabled = true;
      await api('/files/ingest-selected', { method: 'POST', json: { file_uuids: uuids, knowledgebase_id: state.kb.knowledgebase_id } });
      state.selected.clear();
      setNotice(`Queued ${uuids.length} file${uuids.length === 1 ? '' : 's'} for ingestion.`);
    }).then(() => keepFocus($('files-title'))),
  );

  $('upload-input').addEventListener('change', () => {
    const files = [...$('upload-input').files];
    $('upload-names').textContent = files.length ? files.map((f) => f.name).join(', ') : 'PDF, DOCX, HTML, Markdown, text, CSV or JSON';
    $('upload-names').classList.toggle('muted', !files.length);
    $('upload-button').disabled = !files.length;
  });

  $('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const files = [...$('upload-input').files];
    if (!files.length) return;
    const autoIngest = $('upload-auto').checked;
    $('upload-button').disabled = true;
    act(async () => {
      const failures = [];
      for (const [i, file] of files.entries()) {
        setNotice(`Uploading ${files.length > 1 ? `${i + 1} of ${files.length}: ` : ''}${file.name}…`);
        const form = new FormData();
        form.append('knowledgebase_id', state.kb.knowledgebase_id);
        form.append('auto_ingest', String(autoIngest));
        form.append('file', file, file.name);
        try {
          await api('/files', { method: 'POST', body: form });
        } catch (error) {
          failures.push(`${file.name}: ${error.message}`);
        }
      }
      $('upload-input').value = '';
      $('upload-input').dispatchEvent(new Event('change'));
      const done = files.length - failures.length;
      setNotice(done ? `Uploaded ${done} file${done === 1 ? '' : 's'}${autoIngest ? ' and queued for ingestion' : ''}.` : '');
      if (failures.length) throw new Error(`Upload failed: ${failures.join('; ')}`);
    }).then(() => keepFocus($('upload-input')));
  });

  // ---- import from a gs:// prefix ------------------------------------------------------------

  const globs = (text) =>
    text
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  const importPath = (kbId, id) => `/knowledge-bases/${encodeURIComponent(kbId)}/imports/${id}`;
  const IMPORT_COUNTS = [
    ['listed', 'listed'],
    ['skipped_unchanged', 'unchanged'],
    ['queued', 'queued'],
    ['completed', 'completed'],
    ['failed', 'failed'],
  ];

  const importEnded = (imported) => imported.status === 'completed' || imported.status === 'failed';
  const importResults = (imported) => `/api/v1${importPath(imported.knowledgebase_id, imported.import_id)}/results`;

  /** An import's progress as the page shows it: percent, the bar's colour and a sentence. */
  function importProgress(imported) {
    const c = imported.counts;
    const done = c.skipped_unchanged + c.completed + c.failed;
    const ended = importEnded(imported);
    const percent = imported.status === 'listing' || !c.listed ? 0 : Math.round((100 * done) / c.listed);
    const barStatus = ended ? (imported.status === 'failed' || c.failed ? 'failed' : 'completed') : 'processing';
    const stateText =
      imported.status === 'listing'
        ? `listing: ${c.listed} objects so far`
        : imported.status === 'failed'
          ? 'failed while listing'
          : `${done} of ${c.listed} done${ended ? '' : ', running'}`;
    return { percent, barStatus, text: `${percent} % · ${stateText}` };
  }

  function setBar(bar, progress) {
    bar.className = `bar ${progress.barStatus}`;
    bar.setAttribute('aria-valuenow', String(progress.percent));
    bar.setAttribute('aria-valuetext', progress.text);
    bar.querySelector('.fill').style.width = `${progress.percent}%`;
  }

  /** Shows one import's progress (null hides it) and polls it until it ends. */
  function showImport(imported) {
    clearTimeout(state.importTimer);
    state.importTimer = null;
    state.importShown = imported ? { kb: imported.knowledgebase_id, id: imported.import_id } : null;
    $('import-progress').hidden = !imported;
    if (!imported) return;
    const c = imported.counts;
    const progress = importProgress(imported);
    $('import-heading').textContent = `Import of ${imported.gcs_uri}`;
    $('import-state').textContent = progress.text;
    setBar($('import-bar'), progress);
    $('import-counts').replaceChildren(
      ...IMPORT_COUNTS.map(([key, label]) => el('div', { class: `stat ${label}` }, el('dt', { text: label }), el('dd', { text: String(c[key]) }))),
    );
    $('import-listing-error').textContent = imported.error || '';
    $('import-csv').href = `${importResults(imported)}?format=csv`;
    $('import-json').href = `${importResults(imported)}?format=json`;
    if (!importEnded(imported)) state.importTimer = setTimeout(() => pollImport().catch(() => undefined), document.hidden ? 5000 : 1000);
  }

  // ---- the knowledge base's imports: newest first, a page at a time --------------------------

  const IMPORT_PAGE = 10;
  const IMPORT_LIST_MAX = 100; // the api's most per page (IMPORT_LIST_LIMIT)
  const IMPORT_STATUS_BADGE = { listing: 'processing', running: 'processing', completed: 'completed', failed: 'failed' };
  const started = (imported) => new Date(imported.created_at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

  function resetImports() {
    clearTimeout(state.imports.timer);
    state.imports = { kb: null, items: [], next: null, rows: new Map(), timer: null, seq: state.imports.seq + 1 };
    $('import-list').replaceChildren();
    $('imports-empty').hidden = true;
    $('imports-more').hidden = true;
    $('imports-error').textContent = '';
  }

  /**
   * Reads the shown knowledge base's imports again (as many as are shown, so older pages stay), or
   * with `more` the next older page; polls again while one of them is still listing or running.
   */
  async function loadImports(more = false) {
    if (!state.kb) return;
    const kbId = state.kb.knowledgebase_id;
    const list = state.imports;
    const seq = ++list.seq;
    clearTimeout(list.timer);
    const limit = more ? IMPORT_PAGE : Math.min(IMPORT_LIST_MAX, Math.max(IMPORT_PAGE, list.items.length));
    const cursor = more && list.next ? `&cursor=${encodeURIComponent(list.next)}` : '';
    try {
      const page = await api(`/knowledge-bases/${encodeURIComponent(kbId)}/imports?limit=${limit}${cursor}`);
      // Another read started meanwhile, or another knowledge base is shown: this answer is stale.
      if (seq !== list.seq || state.imports !== list) return;
      const added = more ? page.items.filter((i) => !list.items.some((shown) => shown.import_id === i.import_id)) : [];
      list.items = more ? [...list.items, ...added] : page.items;
      if (!more || !page.next_cursor || added.length) list.next = page.next_cursor;
      list.kb = kbId;
      $('imports-error').textContent = '';
      renderImports();
      if (added.length) list.rows.get(added[0].import_id).li.focus();
    } catch (error) {
      if (seq === list.seq && state.imports === list) $('imports-error').textContent = `The imports could not be read: ${error.message}`;
    } finally {
      if (seq === list.seq && state.imports === list && list.items.some((i) => !importEnded(i))) {
        list.timer = setTimeout(() => loadImports().catch(() => undefined), document.hidden ? 10000 : 2000);
      }
    }
  }

  /** One import's row, built once and updated in place, so a poll never takes the focus from its links. */
  function importRow() {
    const uri = el('span', { class: 'import-uri' });
    const badge = el('span', { class: 'badge' });
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, el('span', { class: 'fill' }));
    const progress = el('p', { class: 'sub' });
    const counts = el('p', { class: 'sub import-item-counts' });
    const error = el('p', { class: 'row-error' });
    const csvName = el('span', { class: 'sr-only' });
    const jsonName = el('span', { class: 'sr-only' });
    const csv = el('a', { download: '' }, 'CSV', csvName);
    const json = el('a', { target: '_blank', rel: 'noopener' }, 'JSON', jsonName);
    const li = el(
      'li',
      { class: 'import-item', tabindex: '-1' },
      el('div', { class: 'import-item-head' }, uri, badge),
      bar,
      progress,
      counts,
      error,
      el('p', { class: 'import-downloads' }, 'Results: ', csv, ' · ', json),
    );
    return { li, uri, badge, bar, progress, counts, error, csv, csvName, json, jsonName };
  }

  function renderImports() {
    const list = state.imports;
    const node = $('import-list');
    list.items.forEach((imported, index) => {
      let row = list.rows.get(imported.import_id);
      if (!row) list.rows.set(imported.import_id, (row = importRow()));
      const progress = importProgress(imported);
      const what = `the import of ${imported.gcs_uri} started ${started(imported)}`;
      row.li.dataset.importId = imported.import_id;
      row.li.dataset.status = imported.status;
      row.uri.textContent = imported.gcs_uri;
      row.badge.className = `badge ${IMPORT_STATUS_BADGE[imported.status] || ''}`;
      row.badge.textContent = imported.status;
      row.bar.setAttribute('aria-label', `Progress of ${what}`);
      setBar(row.bar, progress);
      row.progress.textContent = `${progress.text} · started ${started(imported)}`;
      const c = imported.counts;
      row.counts.textContent = IMPORT_COUNTS.map(([key, label]) => `${c[key]} ${label}`).join(' · ');
      row.error.textContent = imported.error || '';
      row.error.hidden = !imported.error;
      row.csv.href = `${importResults(imported)}?format=csv`;
      row.csvName.textContent = ` results of ${what}`;
      row.json.href = `${importResults(imported)}?format=json`;
      row.jsonName.textContent = ` results of ${what} (opens in a new tab)`;
      if (node.children[index] !== row.li) node.insertBefore(row.li, node.children[index] || null);
    });
    const shown = new Set(list.items.map((i) => i.import_id));
    for (const [id, row] of list.rows) {
      if (!shown.has(id)) {
        row.li.remove();
        list.rows.delete(id);
      }
    }
    $('imports-empty').hidden = list.items.length > 0;
    $('imports-more').hidden = !list.next;
  }

  $('imports-more').addEventListener('click', () => loadImports(true).catch(() => undefined));

  async function pollImport() {
    const shown = state.importShown;
    if (!shown) return;
    const imported = await api(importPath(shown.kb, shown.id));
    // The base was changed meanwhile: this answer is for an import no longer shown.
    if (!state.importShown || state.importShown.id !== shown.id) return;
    const ended = imported.status === 'completed' || imported.status === 'failed';
    showImport(imported);
    if (ended) {
      const c = imported.counts;
      const said = `Import of ${imported.gcs_uri} ended: ${c.completed} completed, ${c.skipped_unchanged} unchanged, ${c.failed} failed.`;
      announce($(imported.status === 'failed' || c.failed ? 'error-announcer' : 'status-announcer'), said);
    }
    if (ended || imported.counts.queued) refreshStatus().catch(() => undefined);
    if (ended) loadImports().catch(() => undefined);
  }

  $('import-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('import-error').textContent = '';
    const gcsUri = $('import-uri').value.trim();
    if (!gcsUri) {
      $('import-error').textContent = 'Enter a gs://bucket/folder/ address.';
      $('import-uri').focus();
      return;
    }
    const button = $('import-button');
    button.disabled = true;
    try {
      const kbId = state.kb.knowledgebase_id;
      const imported = await api(`/knowledge-bases/${encodeURIComponent(kbId)}/imports`, {
        method: 'POST',
        json: { gcs_uri: gcsUri, include: globs($('import-include').value), exclude: globs($('import-exclude').value) },
      });
      showImport(imported);
      setNotice(`Started the import of ${imported.gcs_uri}: ${imported.counts.listed} objects listed so far.`);
      refreshStatus().catch(() => undefined);
      loadImports().catch(() => undefined);
    } catch (error) {
      $('import-error').textContent = error.message;
      $('import-uri').focus();
    } finally {
      button.disabled = false;
    }
  });

  // ---- search --------------------------------------------------------------------------------

  $('search-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = $('search-input').value.trim();
    const results = $('search-results');
    if (!query) return;
    results.replaceChildren(el('li', { class: 'muted', text: 'Searching…' }));
    try {
      const body = await api(`/knowledge-bases/${encodeURIComponent(state.kb.knowledgebase_id)}/search`, { method: 'POST', json: { query, top_k: 5 } });
      const hits = (body && body.results) || [];
      results.replaceChildren(
        ...(hits.length
          ? hits.map((hit) =>
              el(
                'li',
                { class: 'result' },
                el(
                  'div',
                  { class: 'source' },
                  el('span', { class: 'source-file', text: hit.file_name || hit.file_uuid || 'unknown file' }),
                  hit.page ? el('span', { class: 'source-page', text: `page ${hit.page}` }) : null,
                  el('span', { class: 'score', text: `score ${Number(hit.score).toFixed(3)}` }),
                ),
                el('p', { class: 'snippet', text: hit.text }),
              ),
            )
          : [el('li', { class: 'muted', text: 'Nothing found.' })]),
      );
    } catch (error) {
      results.replaceChildren(el('li', { class: 'form-error', text: error.message }));
    }
  });

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.kb) refreshStatus().catch(() => undefined);
  });

  // A valid session cookie skips the sign-in form.
  request('/knowledge-bases').then(
    () => showApp().catch((error) => showActionError(error)),
    (error) => showSignin(error.status === 401 ? '' : error.message),
  );
})();
