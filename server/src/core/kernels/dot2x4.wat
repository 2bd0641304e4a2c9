;; The 2×4 block of dot products under the Gram matrix, the Cholesky factorisation and
;; the triangular solves of core/linalg.ts, in 128-bit SIMD (two float64 lanes), and the
;; loops of the latter two around it (a call from JavaScript costs about as much as a
;; short block, so the loops that make one per pair of entries run here).
;;
;; Matrices are row-major float64; every address below is a byte offset into `memory`.
;;
;; dot2x4(p0, p1, q0, q1, q2, q3, len): the 8 dots of rows p0, p1 with rows q0 … q3, each
;; `len` float64 long. Results go to bytes 0 … 63, in the order p0·q0, p0·q1, p0·q2,
;; p0·q3, p1·q0, …, p1·q3.
;;
;; Summation order, fixed whatever the data: lane 0 sums the terms k = 0, 2, 4, … and
;; lane 1 the terms k = 1, 3, 5, …, each in ascending k; the result is lane 0 + lane 1.
;; An odd last term goes to lane 0 (its lane 1 adds an exact 0 × 0).
(module
  (memory (export "memory") 1)
  (func $dot2x4 (export "dot2x4")
    (param $p0 i32) (param $p1 i32) (param $q0 i32) (param $q1 i32) (param $q2 i32) (param $q3 i32) (param $len i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $u v128) (local $v v128) (local $a v128) (local $b v128) (local $c v128) (local $e v128)
    (local $k i32) (local $end i32)
    ;; bytes covered by whole pairs of terms
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $u (v128.load (i32.add (local.get $p0) (local.get $k))))
        (local.set $v (v128.load (i32.add (local.get $p1) (local.get $k))))
        (local.set $a (v128.load (i32.add (local.get $q0) (local.get $k))))
        (local.set $b (v128.load (i32.add (local.get $q1) (local.get $k))))
        (local.set $c (v128.load (i32.add (local.get $q2) (local.get $k))))
        (local.set $e (v128.load (i32.add (local.get $q3) (local.get $k))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $u) (local.get $a))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $u) (local.get $b))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $u) (local.get $c))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $u) (local.get $e))))
        (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $v) (local.get $a))))
        (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $v) (local.get $b))))
        (local.set $t2 (f64x2.add (local.get $t2) (f64x2.mul (local.get $v) (local.get $c))))
        (local.set $t3 (f64x2.add (local.get $t3) (f64x2.mul (local.get $v) (local.get $e))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $pairs)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        (local.set $u (v128.load64_zero (i32.add (local.get $p0) (local.get $k))))
        (local.set $v (v128.load64_zero (i32.add (local.get $p1) (local.get $k))))
        (local.set $a (v128.load64_zero (i32.add (local.get $q0) (local.get $k))))
        (local.set $b (v128.load64_zero (i32.add (local.get $q1) (local.get $k))))
        (local.set $c (v128.load64_zero (i32.add (local.get $q2) (local.get $k))))
        (local.set $e (v128.load64_zero (i32.add (local.get $q3) (local.get $k))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $u) (local.get $a))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $u) (local.get $b))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $u) (local.get $c))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $u) (local.get $e))))
        (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $v) (local.get $a))))
        (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $v) (local.get $b))))
        (local.set $t2 (f64x2.add (local.get $t2) (f64x2.mul (local.get $v) (local.get $c))))
        (local.set $t3 (f64x2.add (local.get $t3) (f64x2.mul (local.get $v) (local.get $e))))))
    (f64.store offset=0 (i32.const 0) (call $lanes (local.get $s0)))
    (f64.store offset=8 (i32.const 0) (call $lanes (local.get $s1)))
    (f64.store offset=16 (i32.const 0) (call $lanes (local.get $s2)))
    (f64.store offset=24 (i32.const 0) (call $lanes (local.get $s3)))
    (f64.store offset=32 (i32.const 0) (call $lanes (local.get $t0)))
    (f64.store offset=40 (i32.const 0) (call $lanes (local.get $t1)))
    (f64.store offset=48 (i32.const 0) (call $lanes (local.get $t2)))
    (f64.store offset=56 (i32.const 0) (call $lanes (local.get $t3))))
  ;; lane 0 + lane 1
  (func $lanes (param $x v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $x)) (f64x2.extract_lane 1 (local.get $x))))

  ;; Cholesky (core/linalg.ts `cholesky`), rows i and i+1 of L at addresses ri and rn, the
  ;; matrix at a0 with `rowBytes` per row: the entries of columns j = 0, 4, 8, … while
  ;; j + 3 < i, from one 2×4 block over k < j and then the terms k = j … in k order
  ;; ($finish4). Returns the first column not done.
  (func (export "choleskyPair") (param $ri i32) (param $rn i32) (param $a0 i32) (param $rowBytes i32) (param $i i32) (result i32)
    (local $j i32) (local $r0 i32) (local $x4 f64) (local $x5 f64) (local $x6 f64) (local $x7 f64)
    (local.set $r0 (local.get $a0))
    (block $done
      (loop $columns
        (br_if $done (i32.ge_s (i32.add (local.get $j) (i32.const 3)) (local.get $i)))
        (call $dot2x4 (local.get $ri) (local.get $rn) (local.get $r0)
          (i32.add (local.get $r0) (local.get $rowBytes))
          (i32.add (local.get $r0) (i32.shl (local.get $rowBytes) (i32.const 1)))
          (i32.add (local.get $r0) (i32.mul (local.get $rowBytes) (i32.const 3)))
          (local.get $j))
        (local.set $x4 (f64.load offset=32 (i32.const 0)))
        (local.set $x5 (f64.load offset=40 (i32.const 0)))
        (local.set $x6 (f64.load offset=48 (i32.const 0)))
        (local.set $x7 (f64.load offset=56 (i32.const 0)))
        (call $finish4 (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))
          (i32.add (local.get $r0) (i32.shl (local.get $j) (i32.const 3))) (local.get $rowBytes)
          (f64.load offset=0 (i32.const 0)) (f64.load offset=8 (i32.const 0))
          (f64.load offset=16 (i32.const 0)) (f64.load offset=24 (i32.const 0)))
        (call $finish4 (i32.add (local.get $rn) (i32.shl (local.get $j) (i32.const 3)))
          (i32.add (local.get $r0) (i32.shl (local.get $j) (i32.const 3))) (local.get $rowBytes)
          (local.get $x4) (local.get $x5) (local.get $x6) (local.get $x7))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (local.set $r0 (i32.add (local.get $r0) (i32.shl (local.get $rowBytes) (i32.const 2))))
        (br $columns)))
    (local.get $j))

  ;; Entries j … j+3 of a row of L (at p = that row's entry j) from the dots x0 … x3 over
  ;; k < j: each adds its terms from k = j up to itself, in k order, then divides by its
  ;; column's diagonal (c = entry j of row j; rows j+1 … j+3 follow at rowBytes steps).
  (func $finish4 (param $p i32) (param $c i32) (param $rowBytes i32)
    (param $x0 f64) (param $x1 f64) (param $x2 f64) (param $x3 f64)
    (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $l0 f64) (local $l1 f64) (local $l2 f64)
    (local.set $c1 (i32.add (local.get $c) (local.get $rowBytes)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $rowBytes)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $rowBytes)))
    (local.set $l0 (f64.div (f64.sub (f64.load (local.get $p)) (local.get $x0)) (f64.load (local.get $c))))
    (f64.store (local.get $p) (local.get $l0))
    (local.set $l1 (f64.div
      (f64.sub (f64.load offset=8 (local.get $p))
        (f64.add (local.get $x1) (f64.mul (local.get $l0) (f64.load (local.get $c1)))))
      (f64.load offset=8 (local.get $c1))))
    (f64.store offset=8 (local.get $p) (local.get $l1))
    (local.set $l2 (f64.div
      (f64.sub (f64.load offset=16 (local.get $p))
        (f64.add
          (f64.add (local.get $x2) (f64.mul (local.get $l0) (f64.load (local.get $c2))))
          (f64.mul (local.get $l1) (f64.load offset=8 (local.get $c2)))))
      (f64.load offset=16 (local.get $c2))))
    (f64.store offset=16 (local.get $p) (local.get $l2))
    (f64.store offset=24 (local.get $p) (f64.div
      (f64.sub (f64.load offset=24 (local.get $p))
        (f64.add
          (f64.add
            (f64.add (local.get $x3) (f64.mul (local.get $l0) (f64.load (local.get $c3))))
            (f64.mul (local.get $l1) (f64.load offset=8 (local.get $c3))))
          (f64.mul (local.get $l2) (f64.load offset=16 (local.get $c3)))))
      (f64.load offset=24 (local.get $c3)))))

  ;; Triangular solve of four rows at once (core/linalg.ts `forwardSolveRows`): L (n × n,
  ;; at l) and the rows y0 … y3 (n each), overwritten by L⁻¹y. Entries a and a+1 of every
  ;; row come from one 2×4 block over k < a; entry a+1 then adds its term k = a. Returns
  ;; the first entry not done (n − 1 when n is odd, else n).
  (func (export "solve4") (param $l i32) (param $n i32) (param $y0 i32) (param $y1 i32) (param $y2 i32) (param $y3 i32) (result i32)
    (local $a i32) (local $ra i32) (local $rb i32) (local $rowBytes i32) (local $ao i32)
    (local $daa f64) (local $lba f64) (local $dbb f64)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $ra (local.get $l))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_s (i32.add (local.get $a) (i32.const 1)) (local.get $n)))
        (local.set $rb (i32.add (local.get $ra) (local.get $rowBytes)))
        (call $dot2x4 (local.get $ra) (local.get $rb) (local.get $y0) (local.get $y1) (local.get $y2) (local.get $y3) (local.get $a))
        (local.set $ao (i32.shl (local.get $a) (i32.const 3)))
        (local.set $daa (f64.load (i32.add (local.get $ra) (local.get $ao))))
        (local.set $lba (f64.load (i32.add (local.get $rb) (local.get $ao))))
        (local.set $dbb (f64.load offset=8 (i32.add (local.get $rb) (local.get $ao))))
        (call $step (i32.add (local.get $y0) (local.get $ao)) (f64.load offset=0 (i32.const 0)) (f64.load offset=32 (i32.const 0))
          (local.get $daa) (local.get $lba) (local.get $dbb))
        (call $step (i32.add (local.get $y1) (local.get $ao)) (f64.load offset=8 (i32.const 0)) (f64.load offset=40 (i32.const 0))
          (local.get $daa) (local.get $lba) (local.get $dbb))
        (call $step (i32.add (local.get $y2) (local.get $ao)) (f64.load offset=16 (i32.const 0)) (f64.load offset=48 (i32.const 0))
          (local.get $daa) (local.get $lba) (local.get $dbb))
        (call $step (i32.add (local.get $y3) (local.get $ao)) (f64.load offset=24 (i32.const 0)) (f64.load offset=56 (i32.const 0))
          (local.get $daa) (local.get $lba) (local.get $dbb))
        (local.set $a (i32.add (local.get $a) (i32.const 2)))
        (local.set $ra (i32.add (local.get $rb) (local.get $rowBytes)))
        (br $pairs)))
    (local.get $a))

  ;; Entries a and a+1 of one row (at p = its entry a): v = (y_a − s)/L_aa, then
  ;; (y_{a+1} − (t + L_{a+1,a}·v)) / L_{a+1,a+1}.
  (func $step (param $p i32) (param $s f64) (param $t f64) (param $daa f64) (param $lba f64) (param $dbb f64)
    (local $v f64)
    (local.set $v (f64.div (f64.sub (f64.load (local.get $p)) (local.get $s)) (local.get $daa)))
    (f64.store (local.get $p) (local.get $v))
    (f64.store offset=8 (local.get $p)
      (f64.div
        (f64.sub (f64.load offset=8 (local.get $p)) (f64.add (local.get $t) (f64.mul (local.get $lba) (local.get $v))))
        (local.get $dbb)))))
