;;; probe.el --- Emacs + eglot probe for test/editors  -*- lexical-binding: t -*-
;; Loaded after the documented snippet, with the triple file's folder as the
;; working directory. Records what a user would see into $ECI_PROBE_OUT as
;; JSON; editors.test.ts judges it. Every wait polls with a deadline.
(require 'json)
(require 'flymake)

(defvar probe-failures nil)

(defun probe-wait (what secs pred)
  "Process events until PRED holds or SECS pass; record WHAT on timeout."
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (or (funcall pred)
        (progn (push (format "timed out waiting for %s" what) probe-failures) nil))))

(defun probe-list (env)
  (mapcar #'string-to-number (split-string (getenv env) ",")))

(defun probe-duplicates ()
  "1-based lines of the duplicate-of-positive diagnostics Flymake shows."
  (sort (delq nil (mapcar (lambda (d)
                            (when (string-match-p "\\[duplicate-of-positive\\]" (flymake-diagnostic-text d))
                              (line-number-at-pos (flymake-diagnostic-beg d))))
                          (flymake-diagnostics)))
        #'<))

(defun probe-connect ()
  "What the command loop does after `find-file': eglot-ensure connects on post-command-hook."
  (run-hooks 'post-command-hook)
  (probe-wait "eglot to connect" 20 (lambda () (bound-and-true-p eglot--managed-mode))))

(defun probe-hover ()
  "M-x eldoc at point, then the text of M-x eldoc-doc-buffer."
  (let ((before (and (buffer-live-p eldoc--doc-buffer)
                     (with-current-buffer eldoc--doc-buffer (buffer-string)))))
    (call-interactively #'eldoc)
    (when (probe-wait "the hover (eldoc)" 10
                      (lambda () (and (buffer-live-p eldoc--doc-buffer)
                                      (with-current-buffer eldoc--doc-buffer
                                        (and (> (buffer-size) 0) (not (equal (buffer-string) before)))))))
      (save-window-excursion
        (eldoc-doc-buffer)
        (with-current-buffer eldoc--doc-buffer (buffer-substring-no-properties (point-min) (point-max)))))))

(let ((before (probe-list "ECI_PROBE_BEFORE"))
      (after (probe-list "ECI_PROBE_AFTER"))
      (delete-line (string-to-number (getenv "ECI_PROBE_DELETE")))
      (report (list :failures nil :duplicatesBefore [] :duplicatesAfter [] :hover "" :configHover "" :messages "")))
  (condition-case err
      (progn
        (find-file "mixed.jsonl")
        (when (and (probe-connect)
                   (probe-wait (format "duplicate-of-positive on lines %S" before) 30
                               (lambda () (equal (probe-duplicates) before))))
          (setq report (plist-put report :duplicatesBefore (vconcat (probe-duplicates))))
          ;; Hover on the first duplicate's negative.
          (let ((d (car (sort (seq-filter (lambda (d) (string-match-p "\\[duplicate-of-positive\\]" (flymake-diagnostic-text d)))
                                          (flymake-diagnostics))
                              (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b)))))))
            (goto-char (flymake-diagnostic-beg d))
            (setq report (plist-put report :hover (or (probe-hover) ""))))
          ;; No CodeLens in eglot: the config source's hover has the score card.
          (let ((triples (current-buffer)))
            (find-file "../eci.config.jsonc")
            (when (probe-connect)
              (goto-char (point-min))
              (search-forward "\"Mixed\"")
              (backward-char 3)
              (setq report (plist-put report :configHover (or (probe-hover) ""))))
            (switch-to-buffer triples))
          ;; Delete a line and save (the snippet scores on save): the findings follow.
          (goto-char (point-min))
          (forward-line (1- delete-line))
          (delete-region (line-beginning-position) (line-beginning-position 2))
          (save-buffer)
          (when (probe-wait (format "duplicate-of-positive on lines %S" after) 30
                            (lambda () (equal (probe-duplicates) after)))
            (setq report (plist-put report :duplicatesAfter (vconcat (probe-duplicates)))))
          ;; eglot cannot be asked to announce changed settings: the server asks
          ;; again on save. At most one diagnostic, then the "more findings" one.
          (setq-default eglot-workspace-configuration '(:eciSem (:run "onSave" :maxDiagnosticsPerFile 1)))
          (set-buffer-modified-p t)
          (save-buffer)
          (when (probe-wait "at most 2 diagnostics after maxDiagnosticsPerFile 1" 30
                            (lambda () (<= (length (flymake-diagnostics)) 2)))
            (setq report (plist-put report :cappedDiagnostics
                                    (vconcat (mapcar #'flymake-diagnostic-text (flymake-diagnostics))))))))
    (error (push (format "probe error: %S" err) probe-failures)))
  (setq report (plist-put report :failures (vconcat (reverse probe-failures))))
  (setq report (plist-put report :messages
                          (concat (with-current-buffer (messages-buffer) (buffer-string))
                                  (if (get-buffer "*Warnings*")
                                      (concat "\n*Warnings*:\n" (with-current-buffer "*Warnings*" (buffer-string)))
                                    ""))))
  (let ((coding-system-for-write 'utf-8))
    (write-region (json-encode report) nil (getenv "ECI_PROBE_OUT")))
  ;; Shut the servers down as M-x eglot-shutdown would, then leave.
  (dolist (server (hash-table-values eglot--servers-by-project))
    (dolist (s server) (ignore-errors (eglot-shutdown s))))
  (kill-emacs 0))
