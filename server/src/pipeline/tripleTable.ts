/**
 * Columnar per-triple storage. A 1M-triple analysis must not hold embeddings,
 * so each triple keeps only a few scalars (≈ 72 bytes) in growable typed arrays;
 * only sampled triples keep their residual vector (held by the pipeline).
 */

class Column<T extends Float64Array | Int32Array | Uint32Array | Uint8Array> {
  data: T;
  constructor(private readonly make: (n: number) => T, capacity: number) {
    this.data = make(capacity);
  }
  ensure(n: number): void {
    if (n <= this.data.length) return;
    let size = this.data.length;
    while (size < n) size *= 2;
    const next = this.make(size);
    next.set(this.data as never);
    this.data = next;
  }
}

/** Bit flags for the text-level facts computed in the scoring pass. */
export const FLAG_TEXT_DUPLICATE = 1;
/** In the wire columns of a sample-scope result: the triple was not measured (it is in no sample). */
export const FLAG_UNMEASURED = 2;

export class TripleTable {
  length = 0;
  // Location: which read unit (file + source) and where in the file.
  private readonly unitCol: Column<Uint32Array>;
  private readonly lineCol: Column<Uint32Array>;
  private readonly posCol: Column<Uint32Array>;
  private readonly negCol: Column<Uint32Array>;
  // Paired sampling: the query group and the order hash H(seed, q, p, n) of each triple.
  private readonly qidCol: Column<Uint32Array>;
  private readonly hashHiCol: Column<Uint32Array>;
  private readonly hashLoCol: Column<Uint32Array>;
  // Filled by the scoring pass.
  private readonly aCol: Column<Float64Array>;
  private readonly bCol: Column<Float64Array>;
  private readonly cCol: Column<Float64Array>;
  private readonly ovCol: Column<Float64Array>;
  private readonly jCol: Column<Float64Array>;
  private readonly normCol: Column<Float64Array>;
  private readonly flagCol: Column<Uint8Array>;

  /** `capacity`: the rows expected (the language server knows the last run's count), so that the columns grow less. */
  constructor(capacity = 1024) {
    this.unitCol = new Column((n) => new Uint32Array(n), capacity);
    this.lineCol = new Column((n) => new Uint32Array(n), capacity);
    this.posCol = new Column((n) => new Uint32Array(n), capacity);
    this.negCol = new Column((n) => new Uint32Array(n), capacity);
    this.qidCol = new Column((n) => new Uint32Array(n), capacity);
    this.hashHiCol = new Column((n) => new Uint32Array(n), capacity);
    this.hashLoCol = new Column((n) => new Uint32Array(n), capacity);
    this.aCol = new Column((n) => new Float64Array(n), capacity);
    this.bCol = new Column((n) => new Float64Array(n), capacity);
    this.cCol = new Column((n) => new Float64Array(n), capacity);
    this.ovCol = new Column((n) => new Float64Array(n), capacity);
    this.jCol = new Column((n) => new Float64Array(n), capacity);
    this.normCol = new Column((n) => new Float64Array(n), capacity);
    this.flagCol = new Column((n) => new Uint8Array(n), capacity);
  }

  add(unit: number, line: number, posIndex: number, negIndex: number, qid = 0, hashHi = 0, hashLo = 0): number {
    const i = this.length++;
    if (this.length > this.unitCol.data.length) {
      for (const col of [this.unitCol, this.lineCol, this.posCol, this.negCol, this.qidCol, this.hashHiCol, this.hashLoCol, this.aCol, this.bCol, this.cCol, this.ovCol, this.jCol, this.normCol, this.flagCol]) {
        col.ensure(this.length);
      }
    }
    this.unitCol.data[i] = unit;
    this.lineCol.data[i] = line;
    this.posCol.data[i] = posIndex;
    this.negCol.data[i] = negIndex;
    this.qidCol.data[i] = qid;
    this.hashHiCol.data[i] = hashHi;
    this.hashLoCol.data[i] = hashLo;
    return i;
  }

  unit(i: number): number { return this.unitCol.data[i]; }
  line(i: number): number { return this.lineCol.data[i]; }
  posIndex(i: number): number { return this.posCol.data[i]; }
  negIndex(i: number): number { return this.negCol.data[i]; }
  qid(i: number): number { return this.qidCol.data[i]; }
  hashHi(i: number): number { return this.hashHiCol.data[i]; }
  hashLo(i: number): number { return this.hashLoCol.data[i]; }

  setScores(i: number, s: { a: number; b: number; c: number; ov: number; jaccard: number; residualNorm: number; textDuplicate: boolean }): void {
    this.setScalars(i, s.a, s.b, s.c, s.ov, s.jaccard, s.residualNorm, s.textDuplicate);
  }

  /** {@link setScores} without an object a call (the language server sets every triple each run). */
  setScalars(i: number, a: number, b: number, c: number, ov: number, jaccard: number, residualNorm: number, textDuplicate: boolean): void {
    this.aCol.data[i] = a;
    this.bCol.data[i] = b;
    this.cCol.data[i] = c;
    this.ovCol.data[i] = ov;
    this.jCol.data[i] = jaccard;
    this.normCol.data[i] = residualNorm;
    this.flagCol.data[i] = textDuplicate ? FLAG_TEXT_DUPLICATE : 0;
  }

  a(i: number): number { return this.aCol.data[i]; }
  b(i: number): number { return this.bCol.data[i]; }
  c(i: number): number { return this.cCol.data[i]; }
  ov(i: number): number { return this.ovCol.data[i]; }
  jaccard(i: number): number { return this.jCol.data[i]; }
  textDuplicate(i: number): boolean { return (this.flagCol.data[i] & FLAG_TEXT_DUPLICATE) !== 0; }

  /** ‖u‖ of every triple, for the residual scale m (a view, not a copy). */
  residualNorms(): Float64Array { return this.normCol.data.subarray(0, this.length); }
}
