/**
 * A message event's JSON cut where its seq goes, so the send statement can join the seq the
 * database chose into the stored text (`head || seq || tail`) instead of parsing the JSON into
 * jsonb and back (`jsonb_set`): in process that was about a tenth of a send's cost on PGlite.
 * The relay hands over the same text, joined the same way.
 */
export interface SeqSplice {
  head: string;
  tail: string;
}

/**
 * `"seq":0,` with bare quotes can only be the message's own key: inside any JSON string value
 * (text, username, ids) a quote is escaped.
 */
const SEQ_ZERO = '"seq":0,';

/** Cuts `json`, an event whose message has seq 0, at that seq. */
export function splitAtSeq(json: string): SeqSplice {
  const parts = json.split(SEQ_ZERO);
  if (parts.length !== 2) throw new Error(`a message event's JSON must hold ${SEQ_ZERO} once`);
  return { head: `${parts[0]}"seq":`, tail: `,${parts[1]}` };
}

export function joinSeq({ head, tail }: SeqSplice, seq: number): string {
  return `${head}${seq}${tail}`;
}
