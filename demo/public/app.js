// The demo's page: a small Slack client. It shows what the local workspace holds for the person
// picked at the top left and sends what they do to the demo server, which signs it for the bot.
'use strict';

const ui = {
  me: new URLSearchParams(location.search).get('as') || localStorage.getItem('demo.me') || '',
  /** A conversation id, or 'app' for the bot's Home/Messages tabs. */
  where: localStorage.getItem('demo.where') || '',
  appTab: localStorage.getItem('demo.appTab') || 'home',
  snapshot: null,
  rendered: {},
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function call(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: ui.me, ...body }) });
  const out = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (out.error) toast(out.error);
  return out;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 6000);
}

// ---------------------------------------------------------------------------------------------------
// Slack's text: mrkdwn and plain_text

const EMOJI = { white_check_mark: '✅', x: '❌', warning: '⚠️', hourglass_flowing_sand: '⏳', inbox_tray: '📥', bell: '🔔', clipboard: '📋', key: '🔑', jigsaw: '🧩', arrow_right: '➡️', memo: '📝' };
const emoji = (s) => s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Slack escapes &, < and > in text; anything else between < and > is a link, a mention or a date. */
const unslack = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function personName(id) {
  const p = ui.snapshot && ui.snapshot.people.find((x) => x.id === id);
  return p ? p.name : id;
}

function controlSequence(inner) {
  const [target, label] = [inner.split('|')[0], inner.split('|').slice(1).join('|')];
  if (target.startsWith('@')) return `<span class="mention">@${esc(label || personName(target.slice(1)))}</span>`;
  if (target.startsWith('#')) {
    const c = ui.snapshot && ui.snapshot.conversations.find((x) => x.id === target.slice(1));
    return `<span class="mention">#${esc(label || (c ? c.name : target.slice(1)))}</span>`;
  }
  if (target.startsWith('!date^')) return `<time>${esc(unslack(label || target))}</time>`;
  if (target.startsWith('!subteam^')) return `<span class="mention">${esc(unslack(label || '@group'))}</span>`;
  if (target.startsWith('!')) return `<span class="mention">@${esc(target.slice(1))}</span>`;
  const href = unslack(target);
  const safe = /^(https?:|mailto:)/i.test(href) ? href : '#';
  return `<a href="${esc(safe)}" target="_blank" rel="noopener noreferrer">${esc(unslack(label || target))}</a>`;
}

function mrkdwn(text) {
  const tokens = [];
  const hold = (html) => `\u0000${tokens.push(html) - 1}\u0000`;
  let s = String(text || '');
  s = s.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${esc(unslack(code))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${esc(unslack(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => hold(controlSequence(inner)));
  s = esc(unslack(s));
  s = s.replace(/(^|[\s(>])\*([^*\n]+)\*(?=$|[\s).,:;!?<])/gm, '$1<b>$2</b>');
  s = s.replace(/(^|[\s(>])_([^_\n]+)_(?=$|[\s).,:;!?<])/gm, '$1<i>$2</i>');
  s = s.replace(/(^|[\s(>])~([^~\n]+)~(?=$|[\s).,:;!?<])/gm, '$1<s>$2</s>');
  s = s.replace(/^&gt; ?(.*)$/gm, '<span class="quote">$1</span>');
  s = emoji(s).replace(/\n/g, '<br>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => tokens[Number(i)]);
}

function textNode(t, cls) {
  const span = el('span', { class: cls });
  if (!t) return span;
  if (t.type === 'mrkdwn') span.innerHTML = mrkdwn(t.text);
  else span.textContent = t.emoji === false ? t.text : emoji(t.text);
  return span;
}
const plain = (t) => (t ? (t.type === 'mrkdwn' ? unslack(t.text) : emoji(t.text)) : '');

// ---------------------------------------------------------------------------------------------------
// Block Kit

/** Where an element lives: a message ({channel, ts}) or a view ({viewId}); `modal` for inputs in a modal. */
function renderBlocks(blocks, surface) {
  const box = el('div', { class: 'blocks' });
  for (const block of blocks || []) box.append(renderBlock(block, surface));
  return box;
}

function renderBlock(b, surface) {
  switch (b.type) {
    case 'header':
      return el('div', { class: 'bk-header' }, textNode(b.text));
    case 'divider':
      return el('hr', { class: 'bk-divider' });
    case 'context':
      return el('div', { class: 'bk-context' }, (b.elements || []).map((e) => (e.type === 'image' ? el('img', { src: e.image_url, alt: e.alt_text, class: 'bk-context-img' }) : textNode(e))));
    case 'image':
      return el('figure', { class: 'bk-image' }, el('img', { src: b.image_url, alt: b.alt_text }), b.title ? el('figcaption', {}, plain(b.title)) : null);
    case 'section': {
      const body = el('div', { class: 'bk-section-body' }, b.text ? textNode(b.text, 'bk-text') : null);
      if (b.fields) body.append(el('div', { class: 'bk-fields' }, b.fields.map((f) => textNode(f, 'bk-field'))));
      return el('div', { class: 'bk-section' }, body, b.accessory ? el('div', { class: 'bk-accessory' }, renderElement(b.accessory, b.block_id, surface, true)) : null);
    }
    case 'actions':
      return el('div', { class: 'bk-actions' }, (b.elements || []).map((e) => renderElement(e, b.block_id, surface, true)));
    case 'input': {
      const element = renderElement(b.element, b.block_id, surface, Boolean(b.dispatch_action));
      return el(
        'div',
        { class: 'bk-input', dataset: { blockId: b.block_id } },
        el('label', { class: 'bk-label' }, plain(b.label), b.optional ? el('span', { class: 'optional' }, ' (optional)') : null),
        element,
        b.hint ? el('div', { class: 'bk-hint' }, plain(b.hint)) : null,
        el('div', { class: 'bk-error', hidden: true }),
      );
    }
    case 'rich_text':
      return el('div', { class: 'bk-section' }, JSON.stringify(b.elements));
    default:
      return el('div', { class: 'bk-unknown' }, `[${b.type} block]`);
  }
}

/** An interactive element. `dispatch`: a change is sent to the bot at once (actions blocks, accessories). */
function renderElement(e, blockId, surface, dispatch) {
  const tag = (node) => {
    node.dataset.blockId = blockId;
    node.dataset.actionId = e.action_id || '';
    node.dataset.etype = e.type;
    node.bk = e;
    return node;
  };
  const fire = (action) => act(surface, { type: e.type, action_id: e.action_id, block_id: blockId, ...action }, e.confirm);
  const onChange = (toAction) => (ev) => {
    if (dispatch) fire(toAction(ev.target));
  };
  switch (e.type) {
    case 'button': {
      const btn = el('button', { type: 'button', class: `bk-button ${e.style || ''}`, 'data-action-id': e.action_id }, plain(e.text));
      btn.addEventListener('click', () => {
        if (e.url) window.open(e.url, '_blank', 'noopener');
        fire({ text: e.text, value: e.value, ...(e.style ? { style: e.style } : {}) });
      });
      return btn;
    }
    case 'overflow': {
      const wrap = el('div', { class: 'bk-overflow' });
      const menu = el('div', { class: 'menu', hidden: true });
      for (const o of e.options || []) {
        menu.append(
          el('button', {
            type: 'button',
            class: 'menu-item',
            onclick: () => {
              menu.hidden = true;
              if (o.url) window.open(o.url, '_blank', 'noopener');
              fire({ selected_option: o });
            },
          }, plain(o.text)),
        );
      }
      wrap.append(el('button', { type: 'button', class: 'bk-button overflow-toggle', 'aria-label': 'More actions', 'data-action-id': e.action_id, onclick: () => (menu.hidden = !menu.hidden) }, '⋯'), menu);
      return wrap;
    }
    case 'external_select':
    case 'multi_external_select':
      return tag(externalSelect(e, blockId, surface, dispatch ? fire : undefined));
    case 'static_select': {
      const options = optionsOf(e);
      const select = tag(el('select', { class: 'bk-select' }, el('option', { value: '' }, plain(e.placeholder) || 'Select an item'), options.map((o, i) => el('option', { value: String(i) }, plain(o.text)))));
      const initial = e.initial_option && options.findIndex((o) => o.value === e.initial_option.value);
      if (initial >= 0) select.value = String(initial);
      select.addEventListener('change', onChange((t) => ({ selected_option: options[Number(t.value)] || null })));
      return select;
    }
    case 'multi_static_select': {
      const options = optionsOf(e);
      const select = tag(el('select', { class: 'bk-select', multiple: true }, options.map((o, i) => el('option', { value: String(i) }, plain(o.text)))));
      for (const io of e.initial_options || []) {
        const i = options.findIndex((o) => o.value === io.value);
        if (i >= 0) select.options[i].selected = true;
      }
      select.addEventListener('change', onChange((t) => ({ selected_options: [...t.selectedOptions].map((x) => options[Number(x.value)]) })));
      return select;
    }
    case 'users_select':
    case 'multi_users_select': {
      const multi = e.type === 'multi_users_select';
      const select = tag(el('select', { class: 'bk-select', multiple: multi }, multi ? null : el('option', { value: '' }, plain(e.placeholder) || 'Select a person'), ui.snapshot.people.map((p) => el('option', { value: p.id }, p.name))));
      const initial = multi ? e.initial_users || [] : [e.initial_user];
      for (const o of select.options) if (initial.includes(o.value)) o.selected = true;
      select.addEventListener('change', onChange((t) => (multi ? { selected_users: [...t.selectedOptions].map((x) => x.value) } : { selected_user: t.value || null })));
      return select;
    }
    case 'conversations_select':
    case 'channels_select': {
      const key = e.type === 'channels_select' ? 'selected_channel' : 'selected_conversation';
      const choices = ui.snapshot.conversations.filter((c) => c.kind === 'channel' || e.type === 'conversations_select');
      const select = tag(el('select', { class: 'bk-select' }, el('option', { value: '' }, plain(e.placeholder) || 'Select a conversation'), choices.map((c) => el('option', { value: c.id }, c.kind === 'channel' ? `# ${c.name}` : c.name))));
      select.value = e.initial_conversation || e.initial_channel || '';
      select.addEventListener('change', onChange((t) => ({ [key]: t.value || null })));
      return select;
    }
    case 'datepicker': {
      const input = tag(el('input', { type: 'date', class: 'bk-date', value: e.initial_date || '' }));
      input.addEventListener('change', onChange((t) => ({ selected_date: t.value || null })));
      return input;
    }
    case 'timepicker': {
      const input = tag(el('input', { type: 'time', class: 'bk-date', value: e.initial_time || '' }));
      input.addEventListener('change', onChange((t) => ({ selected_time: t.value || null })));
      return input;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const box = tag(el('div', { class: 'bk-choices', role: e.type === 'radio_buttons' ? 'radiogroup' : 'group' }));
      const name = `${blockId}/${e.action_id}/${Math.random()}`;
      const chosen = (e.initial_options || (e.initial_option ? [e.initial_option] : [])).map((o) => o.value);
      for (const o of e.options || []) {
        const input = el('input', { type: e.type === 'checkboxes' ? 'checkbox' : 'radio', name, value: o.value, checked: chosen.includes(o.value) });
        input.bkOption = o;
        box.append(el('label', { class: 'bk-choice' }, input, el('span', {}, textNode(o.text), o.description ? el('small', {}, plain(o.description)) : null)));
      }
      box.addEventListener('change', () => {
        if (dispatch) fire(elementValue(box));
      });
      return box;
    }
    case 'plain_text_input':
    case 'email_text_input':
    case 'number_input':
    case 'url_text_input': {
      const attrs = { class: 'bk-text-input', placeholder: plain(e.placeholder), maxlength: e.max_length };
      const input = tag(e.multiline ? el('textarea', { ...attrs, rows: 4 }) : el('input', { ...attrs, type: e.type === 'email_text_input' ? 'email' : e.type === 'number_input' ? 'number' : 'text' }));
      input.value = e.initial_value || '';
      input.addEventListener('keydown', (ev) => {
        if (dispatch && ev.key === 'Enter' && !e.multiline) fire({ value: input.value });
      });
      return input;
    }
    case 'image':
      return el('img', { class: 'bk-accessory-img', src: e.image_url, alt: e.alt_text });
    default:
      return el('span', { class: 'bk-unknown' }, `[${e.type}]`);
  }
}

/**
 * An external select: a search box whose text is sent to the bot (block_suggestion) and a list of the
 * options it answers; what was picked stays in the list while the person searches on.
 */
function externalSelect(e, blockId, surface, fire) {
  const multi = e.type === 'multi_external_select';
  const box = el('div', { class: 'bk-external' });
  const search = el('input', { type: 'search', class: 'bk-text-input', placeholder: plain(e.placeholder) || 'Type to search', 'aria-label': plain(e.placeholder) || 'Search' });
  const select = el('select', { class: 'bk-select', multiple: multi, size: multi ? 5 : undefined });
  box.bkOptions = new Map();
  const chosen = () => [...select.selectedOptions].map((o) => box.bkOptions.get(o.value)).filter(Boolean);
  const show = (options) => {
    const keep = chosen();
    const all = [...keep, ...options.filter((o) => !keep.some((k) => k.value === o.value))];
    for (const o of all) box.bkOptions.set(o.value, o);
    select.replaceChildren(...(multi ? [] : [el('option', { value: '' }, 'Select an item')]), ...all.map((o) => el('option', { value: o.value, selected: keep.some((k) => k.value === o.value) }, plain(o.text))));
  };
  show(multi ? e.initial_options || [] : e.initial_option ? [e.initial_option] : []);
  let timer;
  const ask = () => {
    clearTimeout(timer);
    if (search.value.length < (e.min_query_length ?? 3)) return;
    timer = setTimeout(async () => {
      const out = await call('/ui/suggest', { viewId: surface.viewId, blockId, actionId: e.action_id, value: search.value });
      if (out.options) show(out.options);
    }, 250);
  };
  search.addEventListener('input', ask);
  search.addEventListener('focus', ask);
  select.addEventListener('change', () => fire && fire(multi ? { selected_options: chosen() } : { selected_option: chosen()[0] || null }));
  box.append(search, select);
  return box;
}

function optionsOf(e) {
  return e.options || (e.option_groups || []).flatMap((g) => g.options);
}

/** What Slack puts in state.values for one element. */
function elementValue(node) {
  const e = node.bk;
  switch (e.type) {
    case 'static_select':
      return { selected_option: optionsOf(e)[Number(node.value)] || null };
    case 'external_select':
    case 'multi_external_select': {
      const picked = [...node.querySelector('select').selectedOptions].map((o) => node.bkOptions.get(o.value)).filter(Boolean);
      return e.type === 'external_select' ? { selected_option: picked[0] || null } : { selected_options: picked };
    }
    case 'multi_static_select':
      return { selected_options: [...node.selectedOptions].map((x) => optionsOf(e)[Number(x.value)]) };
    case 'users_select':
      return { selected_user: node.value || null };
    case 'multi_users_select':
      return { selected_users: [...node.selectedOptions].map((x) => x.value) };
    case 'conversations_select':
      return { selected_conversation: node.value || null };
    case 'channels_select':
      return { selected_channel: node.value || null };
    case 'datepicker':
      return { selected_date: node.value || null };
    case 'timepicker':
      return { selected_time: node.value || null };
    case 'checkboxes':
      return { selected_options: [...node.querySelectorAll('input:checked')].map((i) => i.bkOption) };
    case 'radio_buttons': {
      const picked = node.querySelector('input:checked');
      return { selected_option: picked ? picked.bkOption : null };
    }
    default:
      return { value: node.value === '' ? null : node.value };
  }
}

/** state.values of a surface: every input and select in it, by block_id and action_id. */
function stateValues(container) {
  const values = {};
  for (const node of container.querySelectorAll('[data-etype]')) {
    if (!node.bk || !node.bk.action_id) continue;
    const block = (values[node.dataset.blockId] ||= {});
    block[node.dataset.actionId] = { type: node.bk.type, ...elementValue(node) };
  }
  return values;
}

function surfaceNode(surface) {
  if (surface.viewId) return document.querySelector(`[data-view-id="${CSS.escape(surface.viewId)}"]`);
  return document.querySelector(`[data-ts="${CSS.escape(surface.ts)}"]`);
}

async function act(surface, action, confirm) {
  if (confirm && !(await confirmDialog(confirm))) return;
  const node = surfaceNode(surface);
  await call('/ui/act', { where: surface, action, values: node ? stateValues(node) : {} });
}

function confirmDialog(c) {
  return new Promise((resolve) => {
    const layer = $('confirm-layer');
    const done = (answer) => {
      layer.hidden = true;
      layer.replaceChildren();
      resolve(answer);
    };
    layer.replaceChildren(
      el(
        'div',
        { class: 'dialog confirm', role: 'alertdialog', 'aria-modal': 'true' },
        el('h2', {}, plain(c.title) || 'Are you sure?'),
        el('p', {}, textNode(c.text)),
        el(
          'div',
          { class: 'dialog-buttons' },
          el('button', { type: 'button', class: 'bk-button', onclick: () => done(false) }, plain(c.deny) || 'Cancel'),
          el('button', { type: 'button', class: `bk-button ${c.style === 'danger' ? 'danger' : 'primary'}`, 'data-confirm': 'yes', onclick: () => done(true) }, plain(c.confirm) || 'Yes'),
        ),
      ),
    );
    layer.hidden = false;
  });
}

// ---------------------------------------------------------------------------------------------------
// The page

function pickDefaults() {
  const s = ui.snapshot;
  if (!s.people.some((p) => p.id === ui.me)) ui.me = s.people[0].id;
  if (ui.where !== 'app' && !s.conversations.some((c) => c.kind === 'channel' && c.id === ui.where)) ui.where = 'app';
}

function go(where, tab) {
  ui.where = where;
  if (tab) ui.appTab = tab;
  localStorage.setItem('demo.where', ui.where);
  localStorage.setItem('demo.appTab', ui.appTab);
  ui.rendered = {};
  render();
  if (where === 'app') call('/ui/open-app', { tab: ui.appTab });
}

function render() {
  const s = ui.snapshot;
  if (!s) return;
  const who = $('who');
  if (who.options.length !== s.people.length) who.replaceChildren(...s.people.map((p) => el('option', { value: p.id }, `${p.name} · ${p.role}`)));
  who.value = ui.me;

  const channels = s.conversations.filter((c) => c.kind === 'channel');
  const app = s.conversations.find((c) => c.kind === 'app');
  $('channels').replaceChildren(...channels.map((c) => el('li', {}, el('button', { type: 'button', class: ui.where === c.id ? 'active' : '', 'data-conversation': c.name, onclick: () => go(c.id) }, `# ${c.name}`))));
  const unread = app.messages.length;
  $('apps').replaceChildren(el('li', {}, el('button', { type: 'button', class: ui.where === 'app' ? 'active' : '', 'data-conversation': 'app', onclick: () => go('app') }, el('span', { class: 'app-icon' }, '✓'), ' ISC Work Items', unread && ui.where !== 'app' ? el('span', { class: 'badge' }, String(unread)) : null)));

  const inApp = ui.where === 'app';
  const conversation = inApp ? app : channels.find((c) => c.id === ui.where);
  const topic = inApp ? "Your inbox (Home) and the bot's direct messages" : conversation.topic;
  $('title').replaceChildren(inApp ? el('span', {}, el('span', { class: 'app-icon big' }, '✓'), ' ISC Work Items') : el('span', {}, `# ${conversation.name}`), el('span', { class: 'topic' }, topic));
  $('tabs').replaceChildren(...(inApp ? ['home', 'messages'].map((t) => el('button', { type: 'button', role: 'tab', class: ui.appTab === t ? 'active' : '', 'aria-selected': String(ui.appTab === t), 'data-tab': t, onclick: () => go('app', t) }, t === 'home' ? 'Home' : 'Messages')) : []));

  const showHome = inApp && ui.appTab === 'home';
  $('home').hidden = !showHome;
  $('messages').hidden = showHome;
  $('composer-form').hidden = showHome;
  $('composer').placeholder = inApp ? 'Message ISC Work Items, or type /workitems …' : `Message #${conversation.name}, or type /workitems …`;
  if (showHome) renderOnce('home', s.home, () => renderHome(s.home));
  else renderOnce(`messages:${conversation.id}`, conversation.messages, () => renderMessages(conversation));
  renderOnce('modals', s.modals, renderModals);
}

/** Redraws a region only when what it shows changed, so typing and open menus survive unrelated updates. */
function renderOnce(key, data, draw) {
  const json = JSON.stringify(data);
  if (ui.rendered[key] === json) return;
  ui.rendered[key] = json;
  draw();
}

function renderHome(view) {
  const home = $('home');
  if (!view) {
    home.replaceChildren(el('p', { class: 'empty' }, 'Loading the Home tab…'));
    return;
  }
  home.replaceChildren(el('div', { class: 'home-view', 'data-view-id': view.id }, renderBlocks(view.blocks, { viewId: view.id })));
}

function renderMessages(conversation) {
  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const list = conversation.messages.map((m) => renderMessage(m));
  if (!list.length) list.push(el('p', { class: 'empty' }, conversation.kind === 'app' ? 'Direct messages from the bot show up here (notifications, the audit export).' : 'No messages yet. Type /workitems below.'));
  box.replaceChildren(...list);
  // A conversation opens at its newest message, and stays there as messages come unless one scrolled up.
  if (atBottom || renderMessages.shown !== conversation.id) box.scrollTop = box.scrollHeight;
  renderMessages.shown = conversation.id;
}

function renderMessage(m) {
  const fromBot = m.from === 'bot' || m.from === 'slackbot';
  const name = m.from === 'bot' ? ui.snapshot.bot.name : m.from === 'slackbot' ? 'Slackbot' : personName(m.from);
  const time = new Date(Number(m.ts.split('.')[0]) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const body = m.blocks && m.blocks.length ? renderBlocks(m.blocks, { channel: m.channel, ts: m.ts }) : el('div', { class: 'bk-text' }, textNode({ type: 'mrkdwn', text: m.text }));
  return el(
    'article',
    { class: `message${m.ephemeralFor ? ' ephemeral' : ''}`, 'data-ts': m.ts },
    el('div', { class: `avatar${fromBot ? ' bot' : ''}` }, fromBot ? '✓' : name[0]),
    el(
      'div',
      { class: 'message-body' },
      el('div', { class: 'message-head' }, el('b', {}, name), fromBot && m.from === 'bot' ? el('span', { class: 'app-tag' }, 'APP') : null, el('span', { class: 'time' }, time), m.edited ? el('span', { class: 'time' }, '(edited)') : null),
      body,
      (m.files || []).map((f) => el('a', { class: 'file', href: `/files/${encodeURIComponent(f.id)}` }, `📎 ${f.title}`)),
      m.ephemeralFor ? el('div', { class: 'only-you' }, '👁 Only visible to you') : null,
    ),
  );
}

function renderModals() {
  const layer = $('modal-layer');
  const stack = ui.snapshot.modals;
  const top = stack[stack.length - 1];
  if (!top) {
    layer.hidden = true;
    layer.replaceChildren();
    return;
  }
  // Slack keeps what was typed in a view that is updated in place: carry the inputs over.
  const old = layer.querySelector(`[data-view-id="${CSS.escape(top.id)}"]`);
  const typed = old ? stateValues(old) : {};
  const surface = { viewId: top.id };
  const form = el(
    'form',
    { class: 'dialog modal', 'data-view-id': top.id, 'data-callback-id': top.callback_id, role: 'dialog', 'aria-modal': 'true', onsubmit: (ev) => (ev.preventDefault(), submit(top)) },
    el('div', { class: 'modal-head' }, stack.length > 1 ? el('span', { class: 'back' }, '‹ ') : null, el('h2', {}, plain(top.title)), el('button', { type: 'button', class: 'close', 'aria-label': 'Close', onclick: () => call('/ui/close', { viewId: top.id }) }, '×')),
    el('div', { class: 'modal-body' }, renderBlocks(top.blocks, surface)),
    el(
      'div',
      { class: 'dialog-buttons' },
      el('button', { type: 'button', class: 'bk-button', 'data-modal-close': 'yes', onclick: () => call('/ui/close', { viewId: top.id }) }, plain(top.close) || 'Cancel'),
      top.submit ? el('button', { type: 'submit', class: 'bk-button primary', 'data-modal-submit': 'yes' }, plain(top.submit)) : null,
    ),
  );
  layer.replaceChildren(form);
  layer.hidden = false;
  for (const node of form.querySelectorAll('[data-etype]')) {
    const before = typed[node.dataset.blockId] && typed[node.dataset.blockId][node.dataset.actionId];
    if (before && before.type === node.bk.type) setElementValue(node, before);
  }
}

/** The inverse of elementValue: puts a state.values entry back into its element. */
function setElementValue(node, v) {
  const e = node.bk;
  const pick = (values) => {
    for (const o of node.options) o.selected = values.includes(o.value);
  };
  switch (e.type) {
    case 'external_select':
    case 'multi_external_select':
      break;
    case 'static_select':
      node.value = v.selected_option ? String(optionsOf(e).findIndex((o) => o.value === v.selected_option.value)) : '';
      break;
    case 'multi_static_select':
      pick((v.selected_options || []).map((s) => String(optionsOf(e).findIndex((o) => o.value === s.value))));
      break;
    case 'multi_users_select':
      pick(v.selected_users || []);
      break;
    case 'checkboxes':
    case 'radio_buttons': {
      const chosen = (v.selected_options || (v.selected_option ? [v.selected_option] : [])).map((o) => o.value);
      for (const input of node.querySelectorAll('input')) input.checked = chosen.includes(input.value);
      break;
    }
    default: {
      const value = v.selected_user ?? v.selected_conversation ?? v.selected_channel ?? v.selected_date ?? v.selected_time ?? v.value;
      node.value = value ?? '';
    }
  }
}

async function submit(view) {
  const form = document.querySelector(`#modal-layer [data-view-id="${CSS.escape(view.id)}"]`);
  for (const e of form.querySelectorAll('.bk-error')) e.hidden = true;
  const button = form.querySelector('[data-modal-submit]');
  if (button) button.disabled = true;
  const out = await call('/ui/submit', { viewId: view.id, values: stateValues(form) });
  if (button) button.disabled = false;
  for (const [blockId, message] of Object.entries(out.errors || {})) {
    const slot = form.querySelector(`.bk-input[data-block-id="${CSS.escape(blockId)}"] .bk-error`);
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
    } else toast(message);
  }
}

async function refresh() {
  if (!ui.me) ui.me = '';
  const res = await fetch(`/ui/state?user=${encodeURIComponent(ui.me)}`);
  ui.snapshot = await res.json();
  if (!ui.snapshot.people.some((p) => p.id === ui.me)) {
    pickDefaults();
    return refresh();
  }
  pickDefaults();
  render();
}

$('who').addEventListener('change', (ev) => {
  ui.me = ev.target.value;
  localStorage.setItem('demo.me', ui.me);
  ui.rendered = {};
  start();
});

$('composer-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = $('composer');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  await call('/ui/type', { channel: ui.where === 'app' ? ui.snapshot.conversations.find((c) => c.kind === 'app').id : ui.where, text });
});

document.addEventListener('click', (ev) => {
  for (const menu of document.querySelectorAll('.bk-overflow .menu:not([hidden])')) if (!menu.parentElement.contains(ev.target)) menu.hidden = true;
});
document.addEventListener('keydown', (ev) => {
  if (ev.key !== 'Escape') return;
  const top = ui.snapshot && ui.snapshot.modals[ui.snapshot.modals.length - 1];
  if ($('confirm-layer').hidden && top) call('/ui/close', { viewId: top.id });
});

/** Like Slack's client, a page that is loaded again has no form open: the ones left open are closed. */
async function start() {
  await refresh();
  for (const view of [...ui.snapshot.modals].reverse()) await call('/ui/close', { viewId: view.id });
  if (ui.where === 'app') await call('/ui/open-app', { tab: ui.appTab });
}

const stream = new EventSource('/ui/events');
stream.onmessage = () => refresh();
start();
