// The bundle's statements: the balance of every (account, lot) of the region as of the bundle's
// `to` date and its trial balance per (region, fund line, account kind) over [from, to], summed from
// the postings as they are read, then held against the balance and trial lines the bundle states.

/** A cell's balance as of the bundle's `to` date: every posting, less those dated after it. */
const balanceAsOfTo = (cell) => cell.running - cell.later;

export class Statements {
  constructor(report) {
    this.report = report;
    this.from = null;
    this.to = null;
    this.cells = new Map(); // account|lot → { key, running (seq order), later (postings after `to`) }, for the region's accounts
    this.trial = new Map(); // region|fund line|kind → {opening, debits, credits}
    this.statedBalances = new Set();
    this.statedTrial = new Set();
  }

  period(from, to) {
    this.from = from;
    this.to = to;
  }

  /** The running sums of one account in one lot, looked up by the account's own map on the hot path. */
  cellOf(account, p) {
    const cell = account.cells.get(p.lotId);
    if (cell) return cell;
    const key = p.accountId + '|' + p.lotId;
    const created = { key, running: 0n, later: 0n };
    account.cells.set(p.lotId, created);
    this.cells.set(key, created);
    return created;
  }

  /** A posting, already added to its cell's running balance, into the sums of the statements. */
  post(account, cell, date, amount) {
    const { from, to } = this;
    if (to && date > to) {
      cell.later += amount; // (the balance as of `to` is running − later: one sum a posting, not two)
      return;
    }
    let line = account.trialLine;
    if (!line) {
      line = this.trial.get(account.trialKey) ?? { opening: 0n, debits: 0n, credits: 0n };
      this.trial.set(account.trialKey, line);
      account.trialLine = line;
    }
    if (from && date < from) line.opening += amount;
    else if (amount > 0n) line.debits += amount;
    else line.credits -= amount;
  }

  takeBalance(b) {
    const key = `${b.accountId}|${b.lotId}`;
    const cell = this.cells.get(key);
    const computed = cell ? balanceAsOfTo(cell) : 0n;
    if (BigInt(b.balance) !== computed) this.report.fail('balance.statement', { expected: `account ${b.accountId} lot ${b.lotId}: ${computed}`, found: String(b.balance) });
    this.statedBalances.add(key);
  }

  takeTrial(r) {
    const key = `${r.regionCode}|${r.fundLine}|${r.accountKind}`;
    const line = this.trial.get(key) ?? { opening: 0n, debits: 0n, credits: 0n };
    const closing = line.opening + line.debits - line.credits;
    const expected = `${line.opening} + ${line.debits} - ${line.credits} = ${closing}`;
    const found = `${r.opening} + ${r.debits} - ${r.credits} = ${r.closing}`;
    if (expected !== found) this.report.fail('trial.statement', { expected: `${key}: ${expected}`, found });
    this.statedTrial.add(key);
  }

  /** Every balance that is not zero and every trial line that moved must have been stated. */
  finish() {
    for (const [key, cell] of this.cells) {
      const balance = balanceAsOfTo(cell);
      if (balance !== 0n && !this.statedBalances.has(key)) this.report.fail('balance.statement', { expected: `a stated balance for account|lot ${key}: ${balance}`, found: 'none' });
    }
    for (const [key, line] of this.trial) {
      const moved = line.opening !== 0n || line.debits !== 0n || line.credits !== 0n;
      if (moved && !this.statedTrial.has(key)) this.report.fail('trial.statement', { expected: `a trial-balance line for ${key}`, found: 'none' });
    }
  }
}
