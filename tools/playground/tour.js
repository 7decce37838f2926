// A tour of policybot's Teams cards in the Microsoft 365 Agents Playground, as a teacher
// (Tom Cooper), the Headteacher (Jane Smith) and the DSL (Omar Khan) of Oakfield in
// config/trust.example.yaml, with a screenshot of each card.
//
// It starts nothing itself: start `policybot serve` (TEAMS_LOCAL_MODE=true, a fresh SQLite
// database, TRUST_CONFIG=config/trust.example.yaml) and one Playground per person on ports
// 56150 (tom), 56151 (jane) and 56152 (omar); see README.md in this folder. Then:
//
//   node tour.js OUT_DIR
//
// Chromium is Debian's (/usr/bin/chromium, or CHROMIUM=...); `playwright install` is never
// needed. Each person has their own Playground, so an escalation sent to Jane's personal
// chat shows up in hers while Tom's shows his receipt.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const PEOPLE = { tom: 56150, jane: 56151, omar: 56152 };
const WAIT_MS = Number(process.env.TOUR_WAIT_MS || 3000);
const OUT = process.argv[2];
if (!OUT) {
  console.error('usage: node tour.js OUT_DIR');
  process.exit(2);
}
fs.mkdirSync(OUT, { recursive: true });

const cards = (page) => page.locator('.ac-adaptiveCard');
const nthLast = (page, n = 1) => cards(page).nth(-n);
const pause = (page, ms = WAIT_MS) => page.waitForTimeout(ms);

/** Type a message into the chat box and send it. */
async function say(page, text) {
  await page.locator('[data-lexical-editor=true]').click();
  await page.keyboard.type(text);
  await page.getByLabel('Send Message').click();
  await pause(page);
}

/** The card, counting from the newest (1), whose text contains `words`. */
async function cardWith(page, words) {
  const count = await cards(page).count();
  for (let n = 1; n <= count; n += 1) {
    if ((await nthLast(page, n).innerText()).includes(words)) return nthLast(page, n);
  }
  throw new Error(`no card says "${words}"`);
}

/** Press the button `title` on `card` (a button, or a tappable row with that text). */
async function press(card, title) {
  const button = card.getByRole('button', { name: title, exact: true });
  if (await button.count()) await button.last().click();
  else await card.getByText(title).last().click();
  await pause(card.page());
}

/** The input that follows the label `label` on `card`. */
function after(card, label, what) {
  return card.locator(`xpath=(.//*[normalize-space(text())="${label}"]/following::${what})[1]`);
}

/** Choose `option` for the question `label`: a radio button or a drop-down entry. */
async function choose(card, label, option) {
  const input = after(card, label, 'input');
  if ((await input.getAttribute('type')) === 'radio') {
    await after(card, label, `label[normalize-space(.)="${option}"]`).click();
    return;
  }
  if ((await input.getAttribute('aria-expanded')) !== 'true') await input.click();
  await card.page().waitForTimeout(300);
  const list = card.page().locator(`#${await input.getAttribute('aria-controls')}`);
  await list.getByText(option, { exact: true }).click();
  await card.page().waitForTimeout(300);
  if ((await input.getAttribute('aria-expanded')) === 'true') await input.press('Escape');
}

/** Type `text` into the box for the question `label`. */
async function fill(card, label, text) {
  await after(card, label, '*[self::input or self::textarea]').fill(text);
}

/** Screenshot `card` as OUT/name.png. */
async function shot(card, name) {
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: path.join(OUT, `${name}.png`) });
  console.log(`${name}.png`);
}

async function reportForm(page, answers) {
  await say(page, 'report');
  let form = await cardWith(page, 'Report an incident');
  await shot(form, `${answers.prefix}-form`);
  for (const [label, value] of answers.choose) await choose(form, label, value);
  for (const [label, value] of answers.fill) await fill(form, label, value);
  await press(form, 'Continue');
  form = await cardWith(page, 'Report an incident');
  await shot(form, `${answers.prefix}-form-more`);
  for (const [label, value] of answers.then) await choose(form, label, value);
  await press(form, 'Continue');
  const check = await cardWith(page, 'Check your report');
  await shot(check, `${answers.prefix}-check`);
  await press(check, 'Send report');
  await pause(page);
  await shot(await cardWith(page, 'Who has been told'), `${answers.prefix}-receipt`);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const pages = {};
  for (const [who, port] of Object.entries(PEOPLE)) {
    // tall enough that a whole report form fits; the Playground's cards are 460 px wide
    const page = await browser.newPage({ viewport: { width: 1280, height: 2600 } });
    await page.goto(`http://127.0.0.1:${port}`, { waitUntil: 'load' });
    pages[who] = page;
  }
  await pause(pages.tom);
  const { tom, jane, omar } = pages;

  // A teacher: help, answers of each kind, a follow-up, "did you mean"
  await say(tom, 'help');
  await shot(nthLast(tom), '01-tom-help');
  await say(tom, 'can i add a yr 11 kid on snap');
  await shot(nthLast(tom), '02-tom-not-allowed');
  await say(tom, 'an ex-pupil wants to follow me on insta');
  await shot(nthLast(tom), '03-tom-it-depends');
  await press(nthLast(tom), '18 or over');
  await shot(nthLast(tom), '04-tom-allowed-after-follow-up');
  await say(tom, 'school account password');
  await shot(nthLast(tom), '05-tom-did-you-mean');
  await say(tom, 'whatsapp group with parents');
  await shot(nthLast(tom), '06-tom-information');

  // A routine report about a pupil's DMs, with text that Markdown would change
  await reportForm(tom, {
    prefix: '07-tom-routine',
    choose: [
      ['Child at immediate risk', 'No'],
      ['What happened', 'Contact from a pupil on social media'],
      ['A child is involved', 'Yes'],
      ['A member of staff is involved', 'No'],
      ['Where', 'Instagram'],
      ['What you have done', 'Nothing yet'],
      ['Urgency', 'Routine'],
    ],
    fill: [
      ['When', '2026-12-01'],
      ['What you saw', 'Pupil _jo_smith_09_ sent a DM: [this post](https://evil.example/phish) *look*'],
    ],
    then: [['Sexual images of a child', 'No']],
  });

  // The Headteacher: the escalation, View details, Acknowledge, Add note, Close
  let escalation = await cardWith(jane, 'New incident report');
  await shot(escalation, '08-jane-escalation-routine');
  await press(escalation, 'View details');
  await shot(await cardWith(jane, 'What was seen'), '09-jane-view-details');
  escalation = await cardWith(jane, 'New incident report');
  await press(escalation, 'Acknowledge');
  await shot(await cardWith(jane, 'New incident report'), '10-jane-acknowledged');
  await press(await cardWith(jane, 'New incident report'), 'Add a note');
  const note = await cardWith(jane, 'Add a note');
  await note.locator('textarea').fill('Spoke to Tom. *Not bold*, _kept_ [x](https://evil.example)');
  await shot(note, '11-jane-note-form');
  await press(note, 'Save note');
  await press(await cardWith(jane, 'New incident report'), 'Close with outcome');
  const close = await cardWith(jane, 'Close the incident');
  await close.locator('textarea').fill('Pupil blocked; parents spoken to.');
  await shot(close, '12-jane-close-form');
  await press(close, 'Close incident');
  await shot(await cardWith(jane, 'New incident report'), '13-jane-closed');

  // An Immediate report: the 999 guidance first, as its own message, then the form
  await say(tom, 'report');
  let form = await cardWith(tom, 'Report an incident');
  await choose(form, 'Child at immediate risk', 'Yes');
  await choose(form, 'What happened', 'Inappropriate communication involving a child');
  await choose(form, 'A child is involved', 'Yes');
  await choose(form, 'A member of staff is involved', 'No');
  await choose(form, 'Where', 'Snapchat');
  await fill(form, 'When', '2026-12-02');
  await fill(form, 'What you saw', 'An adult stranger is asking a Year 5 pupil to meet today');
  await choose(form, 'What you have done', 'Kept a screenshot or printout');
  await choose(form, 'Urgency', 'Immediate: a child may be at risk now');
  await press(form, 'Continue');
  await shot(await cardWith(tom, 'act now'), '14-tom-immediate-guidance-message');
  form = await cardWith(tom, 'Report an incident');
  await shot(form, '15-tom-immediate-form');
  await choose(form, 'Sexual images of a child', 'No');
  await press(form, 'Continue');
  const check = await cardWith(tom, 'Check your report');
  await shot(check, '16-tom-immediate-check');
  await press(check, 'Send report');
  await pause(tom);
  await shot(await cardWith(tom, 'Who has been told'), '17-tom-immediate-receipt');
  await shot(await cardWith(jane, 'IMMEDIATE'), '18-jane-escalation-immediate');
  await shot(await cardWith(omar, 'IMMEDIATE'), '19-omar-escalation-immediate');
  await press(await cardWith(omar, 'IMMEDIATE'), 'Acknowledge');
  await shot(await cardWith(omar, 'IMMEDIATE'), '20-omar-acknowledged');

  // Lists
  await say(tom, 'my reports');
  await shot(nthLast(tom), '21-tom-my-reports');
  await say(jane, 'incidents');
  await shot(nthLast(jane), '22-jane-incidents');
  await say(omar, 'who is the DSL');
  await shot(nthLast(omar), '23-omar-who-is-the-dsl');

  // A read-and-understood campaign
  await say(jane, 'campaign start');
  const start = await cardWith(jane, 'read and understood');
  await shot(start, '24-jane-campaign-start');
  await press(start, 'Start campaign');
  await shot(await cardWith(tom, 'Please read'), '25-tom-campaign-message');
  await press(await cardWith(tom, 'Please read'), 'I have read and understood');
  await shot(nthLast(tom), '26-tom-campaign-confirmed');

  // An official account: the request and the Headteacher's approval
  await say(tom, 'request account');
  const request = await cardWith(tom, 'Request an official school account');
  await choose(request, 'Platform', 'Instagram');
  await fill(request, "The account's web address or @handle", '@oakfield_y6');
  await fill(
    request,
    'What it is for (class, department, club...; for Other, which platform)',
    'Year 6 class news',
  );
  await choose(request, 'Will pupils use or follow it?', 'No');
  await fill(request, 'The official academy email it is linked to', 'y6@oakfield.example.org');
  const admins = 'Staff who will administer and monitor it (at least two)';
  await choose(request, admins, 'Tom Cooper (Oakfield Primary Academy)');
  await choose(request, admins, 'Leena Patel (Oakfield Primary Academy)');
  await choose(
    request,
    'Is there a code of behaviour for its users, with a way to report and deal with abuse?',
    'Yes',
  );
  await choose(
    request,
    'Will its About/Info page link to the Trust ICT Policy, Acceptable Use Policy, Social Media Policy and Code of Conduct?',
    'Yes',
  );
  await shot(request, '27-tom-account-request');
  await press(request, 'Send the request');
  await shot(nthLast(tom), '28-tom-account-requested');
  const approval = await cardWith(jane, 'Official account request');
  await shot(approval, '29-jane-account-approval');
  await press(approval, 'Approve');
  await shot(nthLast(jane), '30-jane-account-approved');

  await browser.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
