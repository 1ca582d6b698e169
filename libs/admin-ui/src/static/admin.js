// The admin UI: plain DOM, no framework. Every value from the server is written with
// textContent, never as HTML, so a file named like a script tag stays a name.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { kbs: [], kb: null, files: [], selected: new Set(), timer: null };

  async function api(path, options = {}) {
    const init = { credentials: 'same-origin', ...options, headers: { ...(options.headers || {}) } };
    if (options.json !== undefined) {
      init.body = JSON.stringify(options.json);
      init.headers['content-type'] = 'application/json';
    }
    const response = await fetch(`/api/v1${path}`, init);
    if (response.status === 401) {
      showSignin();
      throw new Error('signed out');
    }
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error((body && body.message) || `HTTP ${response.status}`);
    return body;
  }
  const items = (body) => (Array.isArray(body) ? body : body.items || body.data || []);

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function showSignin() {
    clearInterval(state.timer);
    $('app').hidden = true;
    $('signin').hidden = false;
  }

  async function showApp() {
    $('signin').hidden = true;
    $('app').hidden = false;
    await loadKnowledgeBases();
  }

  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('signin-error').textContent = '';
    try {
      await api('/auth/session', { method: 'POST', json: { key: $('signin-key').value } });
      $('signin-key').value = '';
      await showApp();
    } catch (error) {
      $('signin-error').textContent = error.message === 'signed out' ? 'That key was not accepted.' : error.message;
    }
  });

  $('signout').addEventListener('click', async () => {
    await fetch('/api/v1/auth/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
    showSignin();
  });

  async function loadKnowledgeBases() {
    state.kbs = items(await api('/knowledge-bases'));
    const list = $('kb-list');
    list.replaceChildren(
      ...state.kbs.map((kb) =>
        el('li', {}, el('button', { type: 'button', 'aria-current': String(state.kb?.knowledgebase_id === kb.knowledgebase_id), onclick: () => selectKnowledgeBase(kb) }, kb.name || kb.knowledgebase_id)),
      ),
    );
    if (!state.kb && state.kbs.length) await selectKnowledgeBase(state.kbs[0]);
  }

  async function selectKnowledgeBase(kb) {
    state.kb = kb;
    state.selected.clear();
    $('empty').hidden = true;
    $('kb-view').hidden = false;
    $('kb-title').textContent = kb.name || kb.knowledgebase_id;
    $('kb-meta').textContent = `${kb.knowledgebase_id} · ${kb.embedding_provider}/${kb.embedding_model} · chunks of ${kb.chunk_size} tokens, overlap ${kb.chunk_overlap}`;
    $('search-results').replaceChildren();
    for (const button of $('kb-list').querySelectorAll('button')) button.setAttribute('aria-current', String(button.textContent === (kb.name || kb.knowledgebase_id)));
    await refreshFiles();
  }

  $('kb-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('kb-error').textContent = '';
    const form = new FormData(event.target);
    const body = Object.fromEntries(form.entries());
    body.chunk_size = Number(body.chunk_size);
    body.chunk_overlap = Number(body.chunk_overlap);
    try {
      const kb = await api('/knowledge-bases', { method: 'POST', json: body });
      event.target.reset();
      await loadKnowledgeBases();
      await selectKnowledgeBase(kb);
    } catch (error) {
      $('kb-error').textContent = error.message;
    }
  });

  function schedule() {
    clearTimeout(state.timer);
    const busy = state.files.some((f) => ['pending', 'processing'].includes(f.ingestion_status));
    state.timer = setTimeout(() => refreshFiles().catch(() => undefined), busy ? 1000 : 5000);
  }

  async function refreshFiles() {
    if (!state.kb) return;
    state.files = items(await api(`/knowledge-bases/${encodeURIComponent(state.kb.knowledgebase_id)}/files`));
    renderFiles();
    schedule();
  }

  function renderFiles() {
    const rows = state.files.map((file) => {
      const status = file.ingestion_status || 'not_started';
      const progress = Math.round(Number(file.ingestion_progress || 0));
      const checkbox = el('input', { type: 'checkbox', checked: state.selected.has(file.uuid), 'aria-label': `Select ${file.title}` });
      checkbox.addEventListener('change', () => {
        if (checkbox.checked) state.selected.add(file.uuid);
        else state.selected.delete(file.uuid);
        renderSelection();
      });
      return el(
        'tr',
        { 'data-file': file.uuid, 'data-status': status },
        el('td', {}, checkbox),
        el('td', { class: 'name' }, el('div', {}, file.title || file.original_filename || file.uuid), el('div', { class: 'stage' }, formatSize(file.size))),
        el('td', {}, el('span', { class: `badge ${status}` }, status), file.ingestion_error ? el('div', { class: 'row-error' }, file.ingestion_error) : null),
        el(
          'td',
          {},
          el('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': String(progress), 'aria-valuemin': '0', 'aria-valuemax': '100' }, el('span', { style: `width:${progress}%` })),
          el('div', { class: 'stage' }, `${progress} %${file.current_stage && status === 'processing' ? ` · ${file.current_stage}` : ''}`),
        ),
        el('td', {}, file.chunk_count == null ? '' : String(file.chunk_count)),
        el(
          'td',
          { class: 'actions' },
          el('button', { type: 'button', onclick: () => act(() => api(`/files/${file.uuid}/reingest`, { method: 'POST', json: { knowledgebase_id: state.kb.knowledgebase_id } })) }, 'Re-ingest'),
          el('button', {
            type: 'button',
            onclick: () => {
              if (confirm(`Remove ${file.title} and its chunks from this knowledge base?`)) {
                act(() => api(`/knowledge-bases/${encodeURIComponent(state.kb.knowledgebase_id)}/files/${file.uuid}`, { method: 'DELETE' }));
              }
            },
          }, 'Remove'),
        ),
      );
    });
    $('file-rows').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colSpan: 6, class: 'muted' }, 'No files yet: upload some above.'))]));
    renderSelection();
  }

  function renderSelection() {
    const count = state.selected.size;
    $('ingest-selected').disabled = count === 0;
    $('selection-count').textContent = count ? `${count} selected` : '';
    $('select-all').checked = count > 0 && count === state.files.length;
  }

  $('select-all').addEventListener('change', (event) => {
    state.selected = new Set(event.target.checked ? state.files.map((f) => f.uuid) : []);
    renderFiles();
  });

  async function act(work) {
    $('action-error').textContent = '';
    try {
      await work();
    } catch (error) {
      $('action-error').textContent = error.message;
    }
    await refreshFiles();
  }

  $('ingest-selected').addEventListener('click', () =>
    act(async () => {
      await api('/files/ingest-selected', { method: 'POST', json: { file_uuids: [...state.selected], knowledgebase_id: state.kb.knowledgebase_id } });
      state.selected.clear();
    }),
  );

  $('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const files = [...$('upload-input').files];
    if (!files.length) return;
    act(async () => {
      for (const file of files) {
        const form = new FormData();
        form.append('knowledgebase_id', state.kb.knowledgebase_id);
        form.append('auto_ingest', String($('upload-auto').checked));
        form.append('file', file, file.name);
        await api('/files', { method: 'POST', body: form });
      }
      $('upload-input').value = '';
    });
  });

  $('search-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const results = $('search-results');
    results.replaceChildren(el('li', { class: 'muted' }, 'Searching…'));
    try {
      const body = await api(`/knowledge-bases/${encodeURIComponent(state.kb.knowledgebase_id)}/search`, {
        method: 'POST',
        json: { query: $('search-input').value, top_k: 5 },
      });
      const hits = body.results || [];
      results.replaceChildren(
        ...(hits.length
          ? hits.map((hit) =>
              el('li', {}, el('div', {}, hit.text), el('div', { class: 'source' }, `${hit.file_name || hit.file_uuid}${hit.page ? `, page ${hit.page}` : ''} · score ${Number(hit.score).toFixed(3)}`)),
            )
          : [el('li', { class: 'muted' }, 'Nothing found.')]),
      );
    } catch (error) {
      results.replaceChildren(el('li', { class: 'error' }, error.message));
    }
  });

  function formatSize(bytes) {
    const n = Number(bytes || 0);
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }

  // A valid session cookie skips the sign-in form.
  api('/knowledge-bases').then(showApp, showSignin);
})();
