// Checks Adaptive Cards with Microsoft's own parser, as Teams would read them.
// stdin: a JSON array of cards; stdout: a JSON array, per card, of the problems found
// (parse warnings and validateProperties() events), [] for a card with none.
"use strict";
const AC = require("adaptivecards/dist/adaptivecards.js");

const VERSION = AC.Versions.v1_5;

function problems(json) {
  const found = [];
  const context = new AC.SerializationContext(VERSION);
  const card = new AC.AdaptiveCard();
  try {
    card.parse(json, context);
  } catch (err) {
    return [`parse failed: ${err.message}`];
  }
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    found.push(`parse: ${e.message}`);
  }
  const results = card.validateProperties();
  for (const e of results.validationEvents) {
    found.push(`validate: ${e.message}`);
  }
  return found;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const cards = JSON.parse(input);
  process.stdout.write(JSON.stringify(cards.map(problems)));
});
