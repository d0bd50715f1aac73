/** `jobplane admin <subcommand>`. (Stub until the admin commands land.) */
export async function runAdmin(_argv: string[]): Promise<void> {
  throw new Error("admin commands are not implemented yet");
}
