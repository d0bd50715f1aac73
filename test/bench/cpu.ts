/**
 * Where the CPU went during the run: user + system seconds of each process
 * of the stack, from /proc (Linux; elsewhere every figure is undefined). A
 * process's figure includes its children, live ones and reaped ones
 * (cutime/cstime), so PostgreSQL's is the postmaster with all its backends,
 * also those that exited in between. Postgres and NATS may serve others
 * too (tests running beside the bench): their figures are upper bounds.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  readonly ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    // Fields after the comm start at field 3 (state): ppid is 4, utime..cstime are 14..17.
    const fields = text.slice(close + 2).split(" ");
    const field = (n: number) => Number(fields[n - 3]);
    return { pid, comm, ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcStat[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map((name) => readStat(Number(name)))
      .filter((s): s is ProcStat => s !== undefined);
  } catch {
    return [];
  }
}

/** CPU seconds of `pid` and every live descendant (reaped ones are in its cutime/cstime). */
function treeSeconds(root: number, all: readonly ProcStat[]): number | undefined {
  const byParent = new Map<number, ProcStat[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const self = all.find((p) => p.pid === root);
  if (!self) return undefined;
  let ticks = 0;
  const stack = [self];
  while (stack.length > 0) {
    const p = stack.pop()!;
    ticks += p.ticks;
    stack.push(...(byParent.get(p.pid) ?? []));
  }
  return ticks / TICKS_PER_SECOND;
}

export type CpuSnapshot = Record<string, number | undefined>;

/** CPU seconds so far of the named processes, PostgreSQL, nats-server and this process. */
export function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  const all = allProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const postmaster = all.find((p) => p.comm === "postgres" && byPid.get(p.ppid)?.comm !== "postgres");
  const nats = all.find((p) => p.comm === "nats-server");
  const usage = process.cpuUsage();
  const snapshot: CpuSnapshot = {};
  for (const [name, pid] of Object.entries(pids)) snapshot[name] = pid === undefined ? undefined : treeSeconds(pid, all);
  snapshot.postgres = postmaster && treeSeconds(postmaster.pid, all);
  snapshot.nats = nats && treeSeconds(nats.pid, all);
  snapshot.bench = (usage.user + usage.system) / 1e6;
  return snapshot;
}

/** after − before, per process (undefined where either is unknown). */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const delta: CpuSnapshot = {};
  for (const name of Object.keys(after)) {
    const a = after[name];
    const b = before[name];
    delta[name] = a === undefined || b === undefined ? undefined : a - b;
  }
  return delta;
}
