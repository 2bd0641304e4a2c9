// Builds a Hugging Face `tokenizer.json` (Unigram) that reproduces the
// sentencepiece-style tokenizer of @energetic-ai/embeddings:
//   text -> NFKC -> every " " becomes "▁" -> prepend "▁" -> Viterbi over the pieces.
// No pre-tokenizer (the original never splits on whitespace), no special tokens
// added, no post-processor.
//
// Quirks of the shipped vocab.json that are handled here:
// * ids 0..5 are reserved and are NOT in the original's lookup trie. HF Unigram
//   puts every vocab entry in its trie, so "<s>" typed in a text would match
//   id 1. The reserved pieces are therefore renamed with fullwidth brackets
//   ("＜s＞"): NFKC maps those to ASCII, so they can never occur in normalised text.
//   id 0 is the unk piece.
// * some scores are null (pieces containing ":"); the original adds them as 0,
//   so they are written as 0.
// * "”5" occurs three times (ids 230, 238, 4464); in both implementations the
//   last one wins, so the duplicates are kept as they are.

export const RESERVED_NAMES = ['＜unk＞', '＜s＞', '＜/s＞', '＜extra_token_id_1＞', '＜extra_token_id_2＞', '＜extra_token_id_3＞'];

/**
 * @param {Array<[string, number|null]>} vocab the package's vocab.json
 * @param {{maxLength: number}} opts
 */
export function buildTokenizerJson(vocab, { maxLength }) {
  if (!Array.isArray(vocab) || vocab.length < RESERVED_NAMES.length) throw new Error('vocab.json: expected an array of [piece, score] pairs');
  const pieces = vocab.map(([piece, score], i) => {
    if (typeof piece !== 'string') throw new Error(`vocab.json: entry ${i} has no piece string`);
    if (i < RESERVED_NAMES.length) return [RESERVED_NAMES[i], 0];
    if (score !== null && typeof score !== 'number') throw new Error(`vocab.json: entry ${i} has a non-numeric score`);
    if (RESERVED_NAMES.includes(piece)) throw new Error(`vocab.json: piece ${piece} collides with a reserved name`);
    return [piece, score ?? 0];
  });
  for (const name of RESERVED_NAMES) {
    if (name.normalize('NFKC') === name) throw new Error(`reserved name ${name} would survive NFKC`);
  }
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: [],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
        { type: 'Prepend', prepend: '\u2581' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false },
    model: { type: 'Unigram', unk_id: 0, vocab: pieces, byte_fallback: false },
  };
}

/** tokenizer_config.json companion (tokenizers.js needs a config object; Python reads max length here). */
export function buildTokenizerConfig({ maxLength }) {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: maxLength,
    unk_token: RESERVED_NAMES[0],
    clean_up_tokenization_spaces: false,
    add_bos_token: false,
    add_eos_token: false,
  };
}
