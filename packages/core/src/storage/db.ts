import { Database } from "bun:sqlite"
import { mkdirSync } from "node:fs"
import path from "node:path"
import os from "node:os"

/** Where Tandem keeps its data: `$XDG_DATA_HOME/tandem`, or `~/.local/share/tandem`. */
export function dataDirectory(env: Record<string, string | undefined> = process.env) {
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share")
  return path.join(base, "tandem")
}

const migrations = [
  `create table session (
     id text primary key,
     parent_id text,
     time_updated integer not null,
     data text not null
   );
   create index session_parent on session(parent_id);
   create table message (
     id text primary key,
     session_id text not null,
     data text not null
   );
   create index message_session on message(session_id, id);
   create table part (
     id text primary key,
     message_id text not null,
     session_id text not null,
     data text not null
   );
   create index part_message on part(message_id, id);
   create index part_session on part(session_id);`,
]

export type Db = Database

/** Opens (and migrates) the SQLite store. `file` ":memory:" gives a private in-memory store. */
export function openDb(file: string): Db {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true })
  const db = new Database(file, { create: true, strict: true })
  db.run("pragma journal_mode = wal")
  db.run("pragma synchronous = normal")
  db.run("pragma busy_timeout = 5000")
  db.run("pragma foreign_keys = on")
  const version = (db.query("pragma user_version").get() as { user_version: number }).user_version
  for (let i = version; i < migrations.length; i++) {
    db.transaction(() => {
      db.run(migrations[i]!)
      db.run(`pragma user_version = ${i + 1}`)
    })()
  }
  return db
}

/** Adds a migration for a domain that owns its own tables (the task ledger does). */
export function migrate(db: Db, name: string, sql: string) {
  db.run("create table if not exists migration (name text primary key)")
  const done = db.query("select 1 from migration where name = ?").get(name)
  if (done) return
  db.transaction(() => {
    db.run(sql)
    db.query("insert into migration (name) values (?)").run(name)
  })()
}

/** The JSON `data` column of each row, parsed: tables keep their record in one JSON column. */
export function parseRows<T>(rows: unknown[]): T[] {
  return (rows as { data: string }[]).map((row) => JSON.parse(row.data) as T)
}

/** The JSON `data` column of one row, or undefined when there is no row. */
export function parseRow<T>(row: unknown): T | undefined {
  return row ? (JSON.parse((row as { data: string }).data) as T) : undefined
}
