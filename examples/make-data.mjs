#!/usr/bin/env node
// Regenerates the example dataset of eci-sem from the texts held below.
//
//   node examples/make-data.mjs
//
// Writes examples/data/{bm25,dense,llm,random}.jsonl (one flat triple per line,
// line k = query k of ITEMS) and examples/malformed.jsonl. The output is fully
// deterministic: running it twice gives byte-identical files.
//
// Domain: everyday Linux / Unix command-line tools (coreutils, findutils, grep,
// tar, ssh, git, systemd, apt, ...). Each item holds:
//   id, tool     - query id (q01..q60) and the tool it is about (used so that the
//                  Random source never pairs two questions about the same tool)
//   query        - a user question
//   positive     - a passage that answers it
//   bm25         - lexical look-alike: shares the query's words, does not answer
//   dense        - semantic neighbour on a nearby topic, does not answer ...
//   denseAnswers - ... except where this is set: a planted false negative
//   llm          - edits applied to the positive to make an LLM-style hard
//                  negative: [[from, to], ...], each `from` must occur exactly once
//   llmDup       - instead of edits: a planted duplicate of the positive
//                  ('exact' | 'whitespace' | 'case' | 'drop-sentence')

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

const ITEMS = [
  {
    id: 'q01', tool: 'grep',
    query: 'How do I make grep ignore the difference between upper and lower case?',
    positive: `Pass -i (long form --ignore-case) to grep and it treats upper- and lower-case letters as equal, both in the pattern and in the input. For example, grep -i error app.log prints lines containing Error, ERROR or error. The option combines freely with -w, -v and -r, and GNU grep still accepts -y as an obsolete synonym.`,
    bm25: `grep normally reports when a binary file matches, but with -I (a capital i) it ignores binary files altogether. That is handy when searching a source tree full of compiled objects: grep -rI TODO . skips them silently. The option is shorthand for --binary-files=without-match.`,
    dense: `To sort lines without regard to letter case, use sort -f (--ignore-case), which folds lower-case characters to upper case before comparing them. Combined with -u it also drops lines that differ only in case, so sort -fu names.txt keeps a single spelling of each name.`,
    llm: [['Pass -i (long form --ignore-case)', 'Pass -w (long form --ignore-case)'], ['grep -i error', 'grep -w error']],
  },
  {
    id: 'q02', tool: 'find',
    query: 'How can I find files modified in the last seven days?',
    positive: `To find files modified within the last week, use find with the -mtime test and a negative number: find /var/log -type f -mtime -7 lists regular files whose contents changed less than seven 24-hour periods ago. A plus sign means older than, so -mtime +30 selects files untouched for more than thirty days. For finer granularity, -mmin counts minutes instead of days.`,
    bm25: `The find command can also select files by size. find . -size +100M prints every file larger than 100 mebibytes, and -size -1k matches files under one kibibyte. Beware that find rounds sizes up to the unit, so -size -1M only matches empty files.`,
    dense: `ls -lt sorts a directory listing by modification time, newest first, so the most recently changed files appear at the top. Add -r to reverse the order, or use ls -ltu to sort by last access time instead. It only looks at one directory unless you also pass -R.`,
    llm: [['-mtime -7 lists', '-mtime +7 lists']],
  },
  {
    id: 'q03', tool: 'tar',
    query: 'How do I extract a .tar.gz archive into a specific directory?',
    positive: `Run tar -xzf archive.tar.gz -C /target/dir. The -x flag extracts, -z filters the archive through gzip, -f names the archive file, and -C changes to the given directory before unpacking; that directory must already exist. GNU tar detects compression by itself when reading, so tar -xf archive.tar.gz -C /target/dir works as well.`,
    bm25: `To create a .tar.gz archive of a directory, run tar -czf backup.tar.gz project/. The -c flag creates a new archive and -z compresses it with gzip. Use --exclude='*.o' to leave out build artifacts, and add -v to print each file name as it is archived.`,
    dense: `unzip archive.zip -d /target/dir unpacks a ZIP file into the named directory, creating it if needed. Use -l to list the contents without extracting anything, and -o to overwrite existing files without being prompted.`,
    llm: [['-C /target/dir. The', '-d /target/dir. The'], ['and -C changes', 'and -d changes'], ['-xf archive.tar.gz -C', '-xf archive.tar.gz -d']],
  },
  {
    id: 'q04', tool: 'chmod',
    query: 'How do I make a shell script executable for its owner only?',
    positive: `Use chmod u+x script.sh. The symbolic mode u+x adds the execute bit for the file's owning user and leaves the group and other permissions unchanged. To set the whole mode at once, chmod 700 script.sh gives the owner read, write and execute and removes every permission from group and others.`,
    bm25: `A shell script should start with a shebang line such as #!/bin/bash so that the kernel knows which interpreter to run it with. Without one, whichever program starts the script decides how to interpret it, and it may end up in /bin/sh, which does not understand bash-only syntax such as arrays.`,
    dense: `chown changes who owns a file rather than what they may do with it. chown alice:staff report.txt sets both the owning user and the group, and chown -R applies the change to a whole directory tree. Only root can give a file away to another user.`,
    llm: [['Use chmod u+x script.sh. The symbolic mode u+x', 'Use chmod o+x script.sh. The symbolic mode o+x']],
  },
  {
    id: 'q05', tool: 'du',
    query: 'How do I see the total disk space used by a directory?',
    positive: `Run du -sh /path/to/dir. du (disk usage) walks the directory tree and adds up the blocks each file occupies; -s prints only the grand total for each argument instead of a line per subdirectory, and -h shows it in human-readable units such as 4.2G. Add --apparent-size if you want the sum of file lengths rather than allocated blocks.`,
    bm25: `df -h reports the total, used and available space of each mounted filesystem, not of a single directory. It prints one line per mount point, and df -h /home shows only the filesystem that contains /home. Use -i to see inode usage instead of disk blocks.`,
    dense: `To list the largest individual files under a tree, combine find with sort: find /data -type f -printf '%s %p\\n' | sort -nr | head -20 prints the twenty biggest files with their size in bytes.`,
    llm: [['Run du -sh /path', 'Run du -ah /path'], ['-s prints only the grand total', '-a prints only the grand total']],
  },
  {
    id: 'q06', tool: 'ssh',
    query: 'How do I generate a new SSH key pair using ed25519?',
    positive: `Run ssh-keygen -t ed25519 -C "you@example.com". The -t option selects the key type, and -C stores a comment, usually an e-mail address, in the public key. By default the private key is written to ~/.ssh/id_ed25519 and the public key to ~/.ssh/id_ed25519.pub, and you are asked for an optional passphrase that encrypts the private key on disk.`,
    bm25: `ssh-keygen -R hostname removes every key belonging to a host from your known_hosts file. Use it after a server has been reinstalled and its host key changed, when ssh refuses to connect and warns that the remote host identification has changed.`,
    dense: `ssh-copy-id user@server appends your public key to ~/.ssh/authorized_keys on the remote machine, creating the directory with the right permissions if it is missing. From then on, logins use the key instead of a password. Pass -i to choose which public key file to install.`,
    llm: [['ssh-keygen -t ed25519', 'ssh-keygen -b ed25519'], ['The -t option selects', 'The -b option selects']],
  },
  {
    id: 'q07', tool: 'tail',
    query: 'How can I watch a log file as new lines are appended?',
    positive: `To watch a log file grow, use tail -f /var/log/syslog. With -f (follow), tail prints the last ten lines and then keeps the file open, printing new lines as they are written. If the file may be rotated and recreated under the same name, use -F instead, which reopens the file by name when it is replaced. Press Ctrl+C to stop.`,
    bm25: `logrotate renames, compresses and eventually deletes old log files on a schedule. Each file or pattern gets a stanza in /etc/logrotate.d/ with directives such as daily, rotate 7 and compress, and a postrotate script can tell the daemon to reopen its log file so that new lines land in the fresh file.`,
    dense: `journalctl -u nginx shows the systemd journal entries of a single unit. Add --since today to narrow the time range, or -p err to keep only messages of priority error and above.`,
    llm: [['tail -f /var/log/syslog. With -f (follow)', 'tail -r /var/log/syslog. With -r (follow)']],
  },
  {
    id: 'q08', tool: 'kill',
    query: 'How do I kill all processes with a given name?',
    positive: `To kill every process with a given name, use pkill or killall, for example pkill firefox. pkill matches the name as a pattern against running processes and sends SIGTERM to every match; add -f to match against the full command line, or -9 to send SIGKILL when a process ignores the polite request. Run pgrep with the same arguments first to preview which process IDs would be hit.`,
    bm25: `kill -l prints the signal names and numbers that kill understands, such as 1 HUP, 9 KILL and 15 TERM. A signal can be given by name or by number, so kill -HUP 1234 and kill -1 1234 do the same thing to process 1234.`,
    dense: `ps aux lists every process on the system with its owner, PID, CPU and memory use, and command line. Pipe it through grep to look for one program, as in ps aux | grep nginx, keeping in mind that the grep process itself shows up in the output too.`,
    llm: [['sends SIGTERM to every match', 'sends SIGKILL to every match'], ['or -9 to send SIGKILL', 'or -9 to send SIGTERM']],
  },
  {
    id: 'q09', tool: 'sed',
    query: 'How do I replace a word in a file in place with sed?',
    positive: `Use sed -i 's/old/new/g' file.txt. The -i option edits the file in place instead of printing the result to standard output, and the trailing g replaces every occurrence on each line rather than only the first. GNU sed accepts an optional backup suffix attached to the option, as in -i.bak, which keeps the original as file.txt.bak.`,
    bm25: `sed -n '10,20p' file.txt prints only lines 10 through 20. The -n option turns off sed's automatic printing of every line, and the p command prints the lines selected by the address range. The same idea with patterns, sed -n '/start/,/end/p', prints the block between two marker lines.`,
    dense: `perl -pe 's/foo/bar/g' input.txt applies a Perl substitution to every line and writes the result to standard output. Perl regular expressions offer lookahead, non-greedy quantifiers and \\d, none of which sed's basic syntax provides.`,
    llm: [["Use sed -i 's/old/new/g'", "Use sed -e 's/old/new/g'"], ['The -i option edits', 'The -e option edits']],
  },
  {
    id: 'q10', tool: 'ln',
    query: 'How do I create a symbolic link to a directory?',
    positive: `Run ln -s /opt/app/releases/v2 /opt/app/current. The first argument is the target the link will point to and the second is the name of the link to create; without -s, ln makes a hard link, which is not allowed for directories. To repoint an existing link, add -f and -n so that ln replaces it rather than creating a new link inside the directory it refers to.`,
    bm25: `readlink -f prints the fully resolved path of a symbolic link, following every link in the chain and making the result absolute. Scripts use it to find where a file really lives, for example readlink -f "$(command -v python3)".`,
    dense: `mount --bind /data/www /var/www makes the same directory tree visible at a second location. Unlike a link, a bind mount lives in the kernel's mount table, works across chroots and containers, and disappears at reboot unless it is listed in /etc/fstab.`,
    llm: [['Run ln -s /opt/app/releases/v2 /opt/app/current.', 'Run ln -s /opt/app/current /opt/app/releases/v2.'], ['The first argument is the target the link will point to and the second is the name of the link to create', 'The first argument is the name of the link to create and the second is the target the link will point to']],
  },
  {
    id: 'q11', tool: 'wc',
    query: 'How do I count the number of lines in a text file?',
    positive: `Use wc -l file.txt, which prints the line count followed by the file name. wc counts newline characters, so a final line without a trailing newline is not included. To get the bare number without the name, feed the file on standard input instead: wc -l < file.txt.`,
    bm25: `wc -w file.txt counts words, meaning runs of non-whitespace characters, and wc -c counts bytes. Given several files, wc prints one line per file and a final total. Note that wc -m counts characters, which differs from the byte count for multibyte UTF-8 text.`,
    dense: `To count the lines of a text file with awk, run awk 'END { print NR }' file.txt: NR holds the number of records read so far, and by the time the END block runs it equals the total. Unlike wc -l, awk also counts a last line that lacks a trailing newline.`,
    denseAnswers: 'second correct answer (awk NR counts the lines)',
    llm: [['Use wc -l file.txt, which', 'Use wc -w file.txt, which'], ['wc -l < file.txt', 'wc -w < file.txt']],
  },
  {
    id: 'q12', tool: 'git',
    query: 'How do I undo my last Git commit but keep the changes?',
    positive: `Run git reset --soft HEAD~1. This moves the current branch back by one commit while leaving both the index and the working tree untouched, so the undone commit's changes are staged and ready to be committed again. Use --mixed, the default, if you want the changes kept but unstaged. Avoid rewriting commits that are already pushed to a shared branch.`,
    bm25: `git commit --amend replaces the last commit with a new one that includes whatever is currently staged, and lets you edit the message. It is the quickest fix for a typo in the last commit message or a forgotten file, but like a reset it rewrites history.`,
    dense: `git revert HEAD creates a new commit that applies the inverse of the most recent one, so history stays intact. It is the safe way to back out a change that has already been pushed, because nobody else has to rewrite their branches.`,
    llm: [['git reset --soft HEAD~1', 'git reset --hard HEAD~1']],
  },
  {
    id: 'q13', tool: 'git',
    query: 'How do I delete a local Git branch that has been merged?',
    positive: `Use git branch -d feature-x. The lower-case -d deletes the branch only if it has been fully merged into its upstream or into HEAD, so you cannot lose work by accident. If Git refuses because the branch is unmerged and you really want it gone, use -D, which is shorthand for --delete --force.`,
    bm25: `git branch -m old-name new-name renames a local branch; with a single name it renames the current branch. After renaming a branch that was already pushed, push the new name and delete the old one on the remote with git push origin --delete old-name.`,
    dense: `git remote prune origin removes remote-tracking references such as origin/feature-x whose branches no longer exist on the server. git fetch --prune does the same as part of a fetch and keeps git branch -r in step with the remote.`,
    llm: [['Use git branch -d feature-x. The lower-case -d', 'Use git branch -D feature-x. The upper-case -D'], ['use -D, which is shorthand', 'use -d, which is shorthand']],
  },
  {
    id: 'q14', tool: 'cron',
    query: 'How do I schedule a script to run every day at 2 a.m.?',
    positive: `To run a script every day at 2 a.m., open your user crontab with crontab -e and add the line 0 2 * * * /home/me/backup.sh. The five fields are minute, hour, day of month, month and day of week, so 0 2 * * * means minute zero of hour two on every day. Cron runs commands with a minimal environment, so use absolute paths inside the script.`,
    bm25: `The at command runs a script once at a given time, for example echo /home/me/report.sh | at 2am tomorrow. Jobs queued with at are listed by atq and removed with atrm; unlike cron entries they run a single time and do not repeat.`,
    dense: `crontab -l prints the current user's crontab, and crontab -r deletes it without asking, so keep a copy. The system-wide table lives in /etc/crontab and has one extra field that names the user each job runs as.`,
    llm: [['add the line 0 2 * * *', 'add the line 2 0 * * *'], ['The five fields are minute, hour,', 'The five fields are hour, minute,'], ['so 0 2 * * * means minute zero of hour two', 'so 2 0 * * * means hour two, minute zero']],
  },
  {
    id: 'q15', tool: 'systemd',
    query: 'How do I make a systemd service start automatically at boot?',
    positive: `Run sudo systemctl enable nginx.service. Enabling creates the symlinks described in the unit's [Install] section, usually in multi-user.target.wants, so the service is pulled in at boot. It does not start the service right now; use systemctl enable --now nginx to enable and start it in one step, and systemctl is-enabled nginx to check.`,
    bm25: `systemctl status nginx.service shows whether a service is active, its main PID, its memory use and the last lines of its journal. When a service fails to start at boot, the status output and journalctl -b -u nginx are the first places to look.`,
    dense: `systemctl mask nginx links the unit file to /dev/null so that it cannot be started at all, neither by hand nor as a dependency of another unit. That is stronger than disable, which only removes the boot-time symlinks. Undo it with systemctl unmask.`,
    llm: [['Run sudo systemctl enable nginx.service. Enabling creates', 'Run sudo systemctl start nginx.service. Starting creates']],
  },
  {
    id: 'q16', tool: 'ss',
    query: 'Which command shows which process is listening on a TCP port?',
    positive: `Run sudo ss -ltnp. ss lists sockets: -l restricts it to listening sockets, -t to TCP, -n prints numeric ports instead of service names, and -p adds the owning process name and PID, which needs root for other users' processes. To narrow it to one port, append a filter such as 'sport = :8080'.`,
    bm25: `The TCP port a server listens on is set in its configuration, for example Listen 80 in Apache or listen 8080; inside an nginx server block. Ports below 1024 are privileged on Linux, so the process needs root or the CAP_NET_BIND_SERVICE capability to bind them.`,
    dense: `sudo lsof -iTCP:8080 -sTCP:LISTEN prints the command name, PID and user of whatever process is listening on TCP port 8080. Leave out the port number, as in lsof -iTCP -sTCP:LISTEN, to see every listening TCP socket together with the process that owns it.`,
    denseAnswers: 'second correct answer (lsof shows the listening process)',
    llm: [['Run sudo ss -ltnp.', 'Run sudo ss -lunp.'], ['-l restricts it to listening sockets, -t to TCP', '-l restricts it to listening sockets, -u to TCP']],
  },
  {
    id: 'q17', tool: 'df',
    query: 'How do I check how much free space is left on each disk?',
    positive: `To check the free space on every disk, run df -h. df reports, for every mounted filesystem, its size, used and available space, use percentage and mount point; -h prints sizes in powers of 1024 with unit suffixes like G and M. Add -T to show the filesystem type, or pass a path, as in df -h /var, to see only the filesystem that holds it.`,
    bm25: `fdisk -l lists each disk with its partition table, showing device names such as /dev/sda1, partition sizes and types. It describes how a disk is divided up, not how much space is left inside the filesystems on it.`,
    dense: `Running du -sh * inside a directory prints how much space each entry takes up, which helps to find what is filling a filesystem once you know it is nearly full. Pipe the output into sort -h to put the largest entries last.`,
    llm: [['run df -h. df reports', 'run du -h. du reports'], ['as in df -h /var', 'as in du -h /var']],
  },
  {
    id: 'q18', tool: 'rsync',
    query: 'How do I copy a directory to a remote server with rsync?',
    positive: `Use rsync -avz ./site/ user@host:/var/www/site/. The -a (archive) option recurses and preserves permissions, times and symlinks, -v lists the transferred files, and -z compresses data in transit. The trailing slash on the source copies the directory's contents; without it rsync creates a site directory inside the destination. Add --delete to remove files that no longer exist locally.`,
    bm25: `rsync --dry-run (or -n) shows which files would be copied or deleted without changing anything on the remote server. Run it with -v and --delete before a real sync to make sure a mistyped directory path will not wipe out the destination.`,
    dense: `scp -r ./site user@host:/var/www/ copies a directory tree to another machine over SSH. Unlike rsync it always sends every file, even unchanged ones, and it cannot resume an interrupted transfer.`,
    llm: [["The trailing slash on the source copies the directory's contents; without it rsync creates a site directory inside the destination", "Without a trailing slash on the source rsync copies the directory's contents; with it rsync creates a site directory inside the destination"]],
  },
  {
    id: 'q19', tool: 'shell',
    query: 'How do I set an environment variable permanently for my user?',
    positive: `Add an export line to your shell's startup file, for example echo 'export EDITOR=vim' >> ~/.bashrc for interactive bash shells, or put it in ~/.profile for login sessions. The change applies to shells started afterwards; run source ~/.bashrc to load it into the current one. Variables exported on the command line alone vanish when that shell exits.`,
    bm25: `printenv lists every environment variable of the current process with its value, and printenv HOME prints just one. The env command does the same without arguments, but it can also run a program with a modified environment, as in env LANG=C sort file.txt.`,
    dense: `unset PATH_EXTRA removes a variable from the current shell, and export -n NAME keeps it as a shell variable but stops passing it to child processes. Neither change has any effect on terminals that are already open.`,
    llm: [[">> ~/.bashrc for interactive", "> ~/.bashrc for interactive"]],
  },
  {
    id: 'q20', tool: 'shell',
    query: 'How do I search my bash command history interactively?',
    positive: `Press Ctrl+R at the bash prompt and start typing: readline shows the most recent earlier command containing what you typed. Press Ctrl+R again to step further back through older matches, Enter to run the command shown, or an arrow key to edit it first. Ctrl+G cancels the search and restores the original line.`,
    bm25: `The history command prints your bash command history with line numbers, and !42 reruns entry 42. HISTSIZE sets how many commands are remembered, and HISTFILE names the file, usually ~/.bash_history, where the history is saved when the shell exits.`,
    dense: `Typing !ssh reruns the most recent command that starts with ssh, and !?config? reruns the most recent one that contains config anywhere. Append :p, as in !ssh:p, to print the expanded command without running it.`,
    llm: [['Press Ctrl+R at the bash prompt', 'Press Ctrl+S at the bash prompt'], ['Press Ctrl+R again', 'Press Ctrl+S again']],
  },
  {
    id: 'q21', tool: 'find',
    query: 'How do I delete all .tmp files in a directory tree?',
    positive: `Run find . -type f -name '*.tmp' -delete. find descends through every subdirectory, -name matches the glob against each file name (quote it so the shell does not expand it first), and -delete removes each match. Keep -delete last: placed before the tests, it would delete everything find visits. Run the command without -delete first to review the list.`,
    bm25: `The rm command deletes files, and rm -r also deletes directories together with their contents. rm -i asks before each removal, while rm -f never asks and ignores files that do not exist. Some files in a tree cannot be deleted if you lack write permission on the directory that holds them.`,
    dense: `systemd-tmpfiles cleans temporary directories automatically. It reads rules from /usr/lib/tmpfiles.d/ and /etc/tmpfiles.d/, where a line such as d /tmp 1777 root root 10d removes entries in /tmp that are older than ten days.`,
    llm: [["Run find . -type f -name '*.tmp' -delete.", "Run find . -delete -type f -name '*.tmp'."], ['Keep -delete last: placed before the tests, it would delete everything find visits', 'Keep -delete first: placed after the tests, find would silently ignore it']],
  },
  {
    id: 'q22', tool: 'curl',
    query: 'How do I download a file with curl and keep its remote name?',
    positive: `Use curl -O https://example.com/files/report.pdf. The capital -O option saves the response to a local file named after the last part of the URL, here report.pdf, in the current directory. Add -L to follow redirects, which download links often use, and -C - to resume a partial download.`,
    bm25: `curl -o page.html https://example.com writes the response body to a file whose name you choose instead of printing it to the terminal. The lower-case -o takes that name as its argument.`,
    dense: `wget --mirror --no-parent https://example.com/docs/ copies a whole section of a website recursively. Add --convert-links so that links in the saved pages point at the local copies and the mirror can be browsed offline.`,
    llm: [['Use curl -O https', 'Use curl -o https'], ['The capital -O option', 'The lower-case -o option']],
  },
  {
    id: 'q23', tool: 'curl',
    query: 'How do I send a JSON POST request from the command line?',
    positive: `With curl: curl -X POST -H 'Content-Type: application/json' -d '{"name":"demo"}' https://api.example.com/items. The -d option supplies the request body and already implies POST, so -X POST is optional. Recent curl versions also offer --json, which sets the body and both the Content-Type and Accept headers to JSON in one option.`,
    bm25: `jq formats and queries JSON on the command line. curl -s https://api.example.com/items | jq '.[0].name' prints the name field of the first element, and plain jq . pretty-prints the whole document.`,
    dense: `curl -I https://example.com sends a HEAD request and prints only the response headers, a quick way to check status codes, redirects and caching headers without downloading the body.`,
    llm: [['The -d option supplies the request body and already implies POST, so -X POST is optional', 'The -d option appends its data to the URL as query parameters, so -X POST is required']],
  },
  {
    id: 'q24', tool: 'chmod',
    query: 'What do the permissions 644 mean on a Linux file?',
    positive: `A mode such as 644 is three octal digits, one each for the file's owner, group and others, where read is 4, write is 2 and execute is 1. So 644 means the owner can read and write (4+2), while the group and everyone else can only read. It is the usual mode for ordinary files such as web pages or configuration files, and ls -l shows it as -rw-r--r--.`,
    bm25: `Linux file permissions can be extended with access control lists. setfacl -m u:alice:rw file grants one extra user read and write access, and getfacl file prints the list. A plus sign after the mode in ls -l output, as in -rw-r--r--+, means an ACL is present.`,
    dense: `The umask removes permission bits from newly created files. With the common umask 022, new files get mode 644 and new directories 755, because 022 takes write permission away from the group and from others.`,
    llm: [['the owner can read and write (4+2)', 'the owner can read, write and execute (4+2)'], ['ls -l shows it as -rw-r--r--', 'ls -l shows it as -rwxr--r--']],
  },
  {
    id: 'q25', tool: 'head',
    query: 'How do I print only the first 20 lines of a file?',
    positive: `Run head -n 20 file.txt. head prints the beginning of a file, ten lines by default, and -n sets how many. GNU head also accepts a negative count: head -n -5 prints everything except the last five lines. For the end of a file, use tail with the same option.`,
    bm25: `To print a file with line numbers, use cat -n file.txt or nl file.txt. cat -n numbers every line, while nl by default numbers only the non-empty ones; both write the result to standard output.`,
    dense: `less file.txt opens a file in a pager so you can scroll through it instead of having it all printed at once. Press / to search forward, G to jump to the end and q to quit; less -N shows line numbers.`,
    llm: [['Run head -n 20 file.txt.', 'Run head -c 20 file.txt.'], ['and -n sets how many', 'and -c sets how many']],
  },
  {
    id: 'q26', tool: 'sort',
    query: 'How do I sort lines numerically instead of alphabetically?',
    positive: `Use sort -n. By default sort compares lines as text, so 10 comes before 9; -n compares the leading numbers by value. Add -r for descending order, -k2,2n to sort on the second field only, and use -h instead of -n for human-readable sizes like 2K and 1G, as printed by du -h.`,
    bm25: `uniq removes repeated lines, but only adjacent ones, so its input is normally sorted first: sort names.txt | uniq. With -c, uniq prefixes each line with the number of times it occurred, which makes sort | uniq -c | sort -nr a quick frequency count.`,
    dense: `Version strings such as 1.9 and 1.10 sort wrongly both as text and as plain numbers. sort -V compares them as version numbers and puts 1.10 after 1.9; ls -v applies the same natural ordering to file names.`,
    llm: [['Use sort -n. By default', 'Use sort -d. By default'], ['-n compares the leading numbers by value', '-d compares the leading numbers by value'], ['use -h instead of -n', 'use -h instead of -d']],
  },
  {
    id: 'q27', tool: 'git',
    query: 'How do I show the Git commit history as one line per commit?',
    positive: `Run git log --oneline. Each commit is shown as its abbreviated hash followed by the first line of its message. Add --graph to draw the branch structure in ASCII, --all to include every branch rather than only the current one, and -n 10 to limit the output to the last ten commits.`,
    bm25: `git show <commit> prints a single commit in full: its author, date, message and the diff it introduced. With --stat it shows only a summary of the changed files and line counts instead of the whole patch.`,
    dense: `git shortlog -sn summarises the history by author, printing each contributor with the number of commits they made, sorted by that count. It is often used for release notes or contributor lists.`,
    llmDup: 'exact',
  },
  {
    id: 'q28', tool: 'git',
    query: 'How do I temporarily save uncommitted changes in Git?',
    positive: `Use git stash. It records your modified tracked files and staged changes in a stash entry and resets the working tree to HEAD, so you can switch branches cleanly. git stash list shows the saved entries, git stash pop reapplies the newest one and drops it, and git stash -u also includes untracked files.`,
    bm25: `git diff shows uncommitted changes in the working tree that are not staged yet, and git diff --staged shows what is staged for the next commit. Neither command changes anything; they only compare snapshots.`,
    dense: `git worktree add ../hotfix main checks out a second branch into a separate directory that shares the same repository, so two branches can be worked on side by side without switching back and forth.`,
    llm: [['git stash pop reapplies the newest one and drops it', 'git stash pop reapplies the oldest one and keeps it']],
  },
  {
    id: 'q29', tool: 'scp',
    query: 'How do I copy a remote file to my computer with scp?',
    positive: `Put the remote path first and the local destination second: scp user@server:/var/log/app.log . copies app.log into the current directory. Add -r to copy directories recursively and -P 2222 if the SSH server listens on a non-standard port; note that scp uses a capital P for the port, unlike ssh.`,
    bm25: `scp -C compresses the data of a copy, which helps with text files over a slow link, and scp -l 800 limits the bandwidth to 800 Kbit/s so that a large copy does not saturate the remote machine's connection.`,
    dense: `sftp user@server opens an interactive session in which get downloads a file and put uploads one. ls and cd act on the remote side, while lls and lcd act on the local machine.`,
    llm: [['Put the remote path first and the local destination second: scp user@server:/var/log/app.log .', 'Put the local destination first and the remote path second: scp . user@server:/var/log/app.log']],
  },
  {
    id: 'q30', tool: 'free',
    query: 'How do I check how much RAM is free on a Linux machine?',
    positive: `Run free -h. It shows total, used, free, shared, buffer/cache and available memory, plus swap, in human-readable units. The available column is the one to watch: it estimates how much memory new programs can get without swapping, because the kernel can drop much of the page cache on demand. The raw numbers come from /proc/meminfo.`,
    bm25: `A Linux machine with little RAM can fall back on swap space on disk. swapon --show lists the active swap areas, and the vm.swappiness sysctl, 60 by default, controls how eagerly the kernel moves memory pages out to swap.`,
    dense: `To see how much memory is free, use the free command with -h for readable units. Read the available column rather than the free one: it estimates how much RAM applications can still claim, since cached file data is released when it is needed.`,
    denseAnswers: 'paraphrase of the positive (free -h, available column)',
    llm: [['The available column is the one to watch', 'The free column is the one to watch']],
  },
  {
    id: 'q31', tool: 'top',
    query: 'How do I sort processes by memory usage in top?',
    positive: `While top is running, press Shift+M to sort the process list by resident memory percentage, and Shift+P to go back to sorting by CPU. You can also start it that way with top -o %MEM. Press Shift+F to open the field manager if you want to pick any other sort column.`,
    bm25: `top -u www-data shows only the processes owned by one user, and top -p 1234 watches a single process ID. Pressing k inside top asks for a PID and a signal to send, a quick way to stop a runaway process.`,
    dense: `In top, the RES column shows the resident memory a process actually holds in RAM, VIRT the total virtual address space it has mapped, and SHR the part that may be shared with other processes. A large VIRT value on its own is rarely a problem.`,
    llm: [['press Shift+M to sort', 'press Shift+P to sort'], ['and Shift+P to go back', 'and Shift+M to go back']],
  },
  {
    id: 'q32', tool: 'tar',
    query: 'How can I list the files inside a tar archive without extracting it?',
    positive: `Use tar -tf archive.tar, or tar -tvf for a long listing with permissions, owners, sizes and dates. The -t option lists the contents instead of extracting them. GNU tar handles compressed archives the same way, as in tar -tzf backup.tar.gz, and you can add a member name to check whether one particular file is present.`,
    bm25: `tar -xf archive.tar path/to/file extracts a single file from a tar archive instead of everything. The member name must match the path stored in the archive exactly, including any leading directory, and GNU tar accepts --wildcards to extract files by pattern.`,
    dense: `unzip -l archive.zip lists the files inside a ZIP archive with their sizes and dates, and zipinfo archive.zip gives a more detailed listing in the style of ls -l.`,
    llm: [['Use tar -tf archive.tar, or tar -tvf', 'Use tar -xf archive.tar, or tar -xvf'], ['The -t option lists', 'The -x option lists'], ['tar -tzf backup.tar.gz', 'tar -xzf backup.tar.gz']],
  },
  {
    id: 'q33', tool: 'ping',
    query: 'How do I make ping stop after sending five packets?',
    positive: `Use the -c option: ping -c 5 example.com sends five echo requests, waits for the replies and then prints a summary with packet loss and round-trip times. Without -c, ping on Linux keeps going until you interrupt it with Ctrl+C. The -i option changes the interval between packets, which is one second by default.`,
    bm25: `ping -s 1472 -M do example.com sends packets with a 1472-byte payload and forbids fragmentation, a common way to test the path MTU: 1472 bytes of data plus 28 bytes of headers make a 1500-byte packet. If a packet is too large, ping reports that the message is too long.`,
    dense: `traceroute example.com reveals each router on the path to a host by sending probes with increasing TTL values. mtr combines traceroute and ping into a continuously updated table of loss and latency for every hop.`,
    llm: [['Use the -c option: ping -c 5', 'Use the -n option: ping -n 5'], ['Without -c, ping', 'Without -n, ping']],
  },
  {
    id: 'q34', tool: 'ssh',
    query: 'How do I create a short alias for an SSH host?',
    positive: `Add a Host block to ~/.ssh/config: a line Host web, followed by indented lines HostName 203.0.113.10, User deploy and Port 2222. Afterwards ssh web uses all of those settings, and so do scp, rsync and git over SSH. For each option the first value found wins, so put specific hosts before a catch-all Host * block.`,
    bm25: `A shell alias such as alias ll='ls -alF' defines a short name for a longer command. Put it in ~/.bashrc to keep it across sessions; alias without arguments lists the current aliases, and unalias ll removes one.`,
    dense: `An SSH agent keeps your decrypted private keys in memory so that you type the passphrase only once per session. Start one with eval "$(ssh-agent)" and load a key with ssh-add ~/.ssh/id_ed25519; ssh-add -l lists the loaded keys.`,
    llm: [['Add a Host block to ~/.ssh/config', 'Add a Host block to ~/.ssh/authorized_keys']],
  },
  {
    id: 'q35', tool: 'useradd',
    query: 'How do I add a new user account with a home directory?',
    positive: `To add a user together with a home directory, run sudo useradd -m -s /bin/bash alice on most distributions, then sudo passwd alice to set a password. The -m option creates /home/alice and copies the files from /etc/skel into it, and -s sets the login shell. On Debian and Ubuntu the friendlier adduser alice performs the same steps interactively.`,
    bm25: `usermod -aG docker alice adds an existing user account to a supplementary group without removing it from its other groups. Forgetting the -a replaces the user's group list entirely. The new membership takes effect at the next login.`,
    dense: `sudo userdel -r bob deletes a user account together with its home directory and mail spool. Without -r the home directory stays on disk, which is useful when the files have to be archived first.`,
    llm: [['useradd -m -s', 'useradd -d -s'], ['The -m option creates', 'The -d option creates']],
  },
  {
    id: 'q36', tool: 'grep',
    query: 'How do I search for a string in all files under a directory?',
    positive: `Use grep -rn 'needle' /path/to/dir. The -r option makes grep read every file below the directory recursively, and -n prefixes each match with its line number. Add --include='*.py' to restrict the search to certain file names, or -l to print only the names of the files that contain a match.`,
    bm25: `find /path/to/dir -name 'needle*' searches a directory for files whose names start with needle. It looks at file names only, never inside the files. Use -iname instead for a case-insensitive match on the name.`,
    dense: `rg 'needle' /path/to/dir finds the string in every file below the directory and prints the file names with line numbers; ripgrep recurses by default, so no extra option is needed. It does skip hidden files and anything listed in .gitignore unless you add --hidden and --no-ignore.`,
    denseAnswers: 'second correct answer (ripgrep searches recursively)',
    llm: [['Use grep -rn', 'Use grep -vn'], ['The -r option makes grep read', 'The -v option makes grep read']],
  },
  {
    id: 'q37', tool: 'systemd',
    query: 'How do I change the hostname of a systemd-based Linux machine?',
    positive: `Run sudo hostnamectl set-hostname web01. This updates the static hostname stored in /etc/hostname and applies it to the running kernel immediately, so no reboot is needed; new shells show the new name in their prompt. Also update /etc/hosts if it maps the old name to 127.0.1.1, or sudo may complain that it cannot resolve the host.`,
    bm25: `hostname -I prints all IP addresses assigned to the machine's network interfaces, separated by spaces, and hostname -f prints the fully qualified domain name as resolved through /etc/hosts or DNS.`,
    dense: `timedatectl set-timezone Europe/Berlin changes the system time zone on systemd machines, and timedatectl list-timezones prints the valid zone names. timedatectl status reports whether the clock is being synchronised over NTP.`,
    llm: [['and applies it to the running kernel immediately, so no reboot is needed', 'but the running kernel keeps the old name until the next reboot']],
  },
  {
    id: 'q38', tool: 'diff',
    query: 'How do I compare two text files line by line?',
    positive: `Run diff -u old.txt new.txt. diff prints the lines that must change to turn the first file into the second, and -u selects the unified format, marking removed lines with - and added lines with + and showing three lines of context. Its exit status is 0 when the files are identical and 1 when they differ, which is handy in scripts.`,
    bm25: `cmp file1 file2 compares two files byte by byte and reports the first byte and line number where they differ, or prints nothing if they are identical. It also works on binary files, where a line-oriented comparison makes no sense.`,
    dense: `comm -12 a.txt b.txt prints only the lines common to two sorted files. Its normal output has three columns, lines only in the first file, only in the second, and in both, and -1, -2 and -3 suppress the matching column.`,
    llm: [['exit status is 0 when the files are identical and 1 when they differ', 'exit status is 1 when the files are identical and 0 when they differ']],
  },
  {
    id: 'q39', tool: 'watch',
    query: 'How do I rerun a command every few seconds and watch its output?',
    positive: `Use watch, for example watch -n 5 df -h, which clears the terminal and reruns df -h every five seconds, showing the latest output full-screen. The default interval is two seconds. Add -d to highlight what changed between updates, and quote the command if it contains a pipe: watch -n 1 'ps aux | grep nginx'.`,
    bm25: `The sleep command pauses for a given time, as in sleep 5 for five seconds or sleep 2m for two minutes. Scripts often put it between two commands to wait for a service to come up before the next step runs.`,
    dense: `vmstat 5 prints a line of memory, CPU and I/O statistics every five seconds until you interrupt it. The first line shows averages since boot, so skip it when looking for current activity.`,
    llmDup: 'whitespace',
  },
  {
    id: 'q40', tool: 'systemd',
    query: 'How do I view the logs from the previous boot with journalctl?',
    positive: `Run journalctl -b -1. The -b option selects a boot: with no argument it means the current one, -1 the one before it, -2 the one before that, and so on. journalctl --list-boots shows the available boots with their IDs. This only works if the journal is persistent, which requires /var/log/journal to exist or Storage=persistent in journald.conf.`,
    bm25: `journalctl -k shows only kernel messages from the journal, much like dmesg but with readable timestamps and, when the journal is persistent, across reboots. Add -p warning to filter the logs by priority.`,
    dense: `last reboot lists recent system boots and shutdowns recorded in /var/log/wtmp with their times, which tells you when a machine restarted but not why. uptime shows how long the current boot has been running.`,
    llm: [['Run journalctl -b -1.', 'Run journalctl -b 1.'], ['-1 the one before it, -2 the one before that', '1 the one before it, 2 the one before that']],
  },
  {
    id: 'q41', tool: 'gzip',
    query: 'How do I compress a file with gzip but keep the original?',
    positive: `Use gzip -k file.log, which writes file.log.gz and leaves file.log in place; without -k, gzip replaces the original. An older way that works everywhere is gzip -c file.log > file.log.gz, where -c writes the compressed data to standard output. Levels range from -1 (fastest) to -9 (smallest), and 6 is the default.`,
    bm25: `gunzip file.log.gz, or gzip -d, decompresses a file and removes the .gz version. zcat file.log.gz prints the decompressed contents without writing any file, and zgrep searches inside compressed logs directly.`,
    dense: `xz usually compresses better than gzip at the cost of speed and memory. xz -T0 uses all CPU cores, and tar -cJf archive.tar.xz dir creates an xz-compressed tarball in one step.`,
    llm: [['Use gzip -k file.log', 'Use gzip -f file.log'], ['without -k, gzip replaces', 'without -f, gzip replaces']],
  },
  {
    id: 'q42', tool: 'dpkg',
    query: 'How do I find which Debian package installed a given file?',
    positive: `Run dpkg -S /usr/bin/curl. dpkg searches the file lists of installed packages and prints every package that owns a matching path, here curl: /usr/bin/curl. It only knows about installed packages; to search packages you have not installed, use apt-file search after running apt-file update.`,
    bm25: `dpkg -L curl lists every file that a given Debian package installed, one path per line, which shows where its binaries, manual pages and configuration ended up.`,
    dense: `On Fedora and RHEL, rpm -qf /usr/bin/curl names the installed package that owns a file, and dnf provides '*/curl' searches the repositories for packages that contain it.`,
    llm: [['Run dpkg -S /usr/bin/curl.', 'Run dpkg -L /usr/bin/curl.']],
  },
  {
    id: 'q43', tool: 'apt',
    query: 'How do I upgrade all installed packages on Ubuntu?',
    positive: `Run sudo apt update first, which downloads the current package lists from the configured repositories, then sudo apt upgrade, which installs newer versions of everything already installed. apt upgrade may pull in new dependencies but never removes packages; if an upgrade needs to remove something, use sudo apt full-upgrade instead.`,
    bm25: `sudo apt install ./package.deb installs a local .deb file on Ubuntu and fetches its dependencies from the repositories, unlike dpkg -i, which leaves missing dependencies for you to sort out. apt list --installed shows all installed packages.`,
    dense: `do-release-upgrade moves an Ubuntu system to the next release, for example from 22.04 to 24.04, switching the repositories and running a guided upgrade. That is a different operation from updating packages within a release.`,
    llm: [['Run sudo apt update first, which downloads the current package lists from the configured repositories, then sudo apt upgrade, which installs', 'Run sudo apt upgrade first, which downloads the current package lists from the configured repositories, then sudo apt update, which installs']],
  },
  {
    id: 'q44', tool: 'ip',
    query: 'Which command shows the IP addresses of my network interfaces?',
    positive: `Run ip addr show, or simply ip a. For each interface it prints the link state, the MAC address and every assigned IPv4 (inet) and IPv6 (inet6) address with its prefix length. ip -br a gives a compact summary with one line per interface. The older ifconfig command shows similar information but is deprecated on most distributions.`,
    bm25: `ip route show prints the kernel routing table, including the default route that traffic to other networks leaves by, for example default via 192.168.1.1 dev eth0. ip route get 8.8.8.8 shows which interface and source IP address a packet to that host would use.`,
    dense: `The ip address command lists your network interfaces together with their IPv4 and IPv6 addresses; ip -brief address fits each interface on one line, and ip address show eth0 limits the output to a single interface. It replaces the older ifconfig.`,
    denseAnswers: 'paraphrase of the positive (ip address lists the addresses)',
    llm: [['Run ip addr show, or simply ip a.', 'Run ip link show, or simply ip l.']],
  },
  {
    id: 'q45', tool: 'shell',
    query: 'How do I keep a command running after I log out of SSH?',
    positive: `To keep a command running after you log out, start it with nohup, for example nohup ./long-job.sh > job.log 2>&1 &. nohup makes the process ignore the hangup signal that is sent when the terminal closes, and the trailing & puts it in the background. For jobs you want to reattach to later, run them inside tmux or screen instead and detach before logging out.`,
    bm25: `ssh -o ServerAliveInterval=60 user@host sends a keep-alive message every 60 seconds, which stops idle SSH sessions from being dropped by firewalls that time out quiet connections. Put the option in ~/.ssh/config to apply it to every host.`,
    dense: `Ctrl+Z suspends the foreground job, bg resumes it in the background and fg brings it back; jobs lists what the shell is tracking. A background job started this way still belongs to the shell and normally receives SIGHUP when you log out.`,
    llm: [['start it with nohup, for example nohup ./long-job.sh', 'start it with nice, for example nice ./long-job.sh'], ['nohup makes the process ignore', 'nice makes the process ignore']],
  },
  {
    id: 'q46', tool: 'tmux',
    query: 'How do I detach from a tmux session and reattach later?',
    positive: `Inside tmux, press the prefix key Ctrl+B and then d to detach; the session and its programs keep running in the background. Later, run tmux attach, or tmux attach -t name for a particular session, to reconnect. tmux ls lists the running sessions with their names and window counts.`,
    bm25: `tmux new -s work starts a new session named work. Inside a session, Ctrl+B then c creates a window, Ctrl+B then % splits the current pane into left and right halves, and Ctrl+B then " splits it into top and bottom.`,
    dense: `In GNU screen, Ctrl+A followed by d detaches the current session and screen -r reattaches it; screen -ls lists the sessions that are still running.`,
    llm: [['press the prefix key Ctrl+B and then d', 'press the prefix key Ctrl+A and then d']],
  },
  {
    id: 'q47', tool: 'uname',
    query: 'How do I see which Linux kernel version is running?',
    positive: `Run uname -r to print the release of the running kernel, such as 6.8.0-45-generic. uname -a prints all fields, including the machine architecture and the kernel build date. The kernel you are running can differ from the newest one installed until you reboot, so compare with the contents of /boot when in doubt.`,
    bm25: `cat /etc/os-release shows which Linux distribution and version is installed, for example through the NAME and VERSION_ID fields on Ubuntu 24.04. lsb_release -a prints the same information on systems that ship it.`,
    dense: `lsmod lists the kernel modules currently loaded, with their size and which other modules use them. modprobe loads a module along with its dependencies, and modinfo shows a module's description and parameters.`,
    llmDup: 'case',
  },
  {
    id: 'q48', tool: 'ls',
    query: 'How do I show hidden files when listing a directory?',
    positive: `Use ls -a, which includes entries whose names start with a dot, such as .bashrc and .git, along with the special . and .. entries. ls -A shows the hidden files but leaves out . and .., which is usually what you want. Combine either with -l for the long format, as in ls -la.`,
    bm25: `ls -S lists the files of a directory sorted by size, largest first, and ls -t sorts them by modification time. Add -r to either one to reverse the order of the listing.`,
    dense: `The tree command draws a directory hierarchy as an indented diagram. tree -L 2 limits the depth to two levels, and tree -d shows directories only.`,
    llm: [['Use ls -a, which includes', 'Use ls -h, which includes'], ['as in ls -la', 'as in ls -lh']],
  },
  {
    id: 'q49', tool: 'shell',
    query: 'How do I run the previous command again with sudo?',
    positive: `Type sudo !! and press Enter. In bash and zsh, !! is history expansion for the whole previous command line, so if apt install htop failed with a permission error, sudo !! runs sudo apt install htop. The shell prints the expanded command before running it, which lets you confirm what was executed.`,
    bm25: `sudo -i starts an interactive root login shell with root's environment, while sudo -s starts a root shell that keeps more of your own environment. Exit the shell to get back to your normal user.`,
    dense: `Alt+. inserts the last argument of the previous command at the cursor, and pressing it repeatedly steps through the last arguments of older commands. Inside a command line, !$ expands to the same word.`,
    llm: [['Type sudo !! and press Enter. In bash and zsh, !! is history expansion', 'Type sudo !$ and press Enter. In bash and zsh, !$ is history expansion'], ['sudo !! runs', 'sudo !$ runs']],
  },
  {
    id: 'q50', tool: 'git',
    query: 'How do I change the URL of a Git remote?',
    positive: `Run git remote set-url origin git@github.com:org/repo.git. It replaces the fetch and push URL of the existing remote named origin without touching any branches or other configuration. Check the result with git remote -v, which lists each remote with the URLs used for fetching and for pushing.`,
    bm25: `git remote add upstream https://github.com/org/repo.git adds a second remote, commonly used to fetch changes from the original repository of a fork. git fetch upstream then downloads its branches as upstream/main and so on.`,
    dense: `git clone --depth 1 https://github.com/org/repo.git makes a shallow clone containing only the latest commit, which is much faster for repositories with a long history; git fetch --unshallow downloads the rest later.`,
    llm: [['Run git remote set-url origin', 'Run git remote rename origin']],
  },
  {
    id: 'q51', tool: 'renice',
    query: 'How do I lower the CPU priority of a running process?',
    positive: `To lower the priority of a process that is already running, use renice with a higher niceness value: renice -n 10 -p 4321 makes process 4321 nicer, so the scheduler gives it less CPU time when other processes compete for it. Niceness ranges from -20 (highest priority) to 19 (lowest). Ordinary users may only raise the value for their own processes; lowering it requires root.`,
    bm25: `A process that hogs the CPU can be found with top, or with ps -eo pid,comm,%cpu --sort=-%cpu | head, which lists the running processes with the highest CPU share first.`,
    dense: `ionice -c3 -p 4321 puts a process into the idle I/O scheduling class, so it only gets disk time when no other process wants it. That helps with backups that slow the system down through disk access rather than through CPU use.`,
    llm: [['renice -n 10 -p 4321', 'renice -n -10 -p 4321'], ['from -20 (highest priority) to 19 (lowest)', 'from 19 (highest priority) to -20 (lowest)']],
  },
  {
    id: 'q52', tool: 'awk',
    query: 'How do I print the second column of a whitespace-separated file?',
    positive: `Use awk '{ print $2 }' file.txt. awk splits each input line into fields on runs of spaces and tabs, numbering them $1, $2 and so on, with $0 holding the whole line. For a different separator, set it with -F, as in awk -F, '{ print $2 }' data.csv for comma-separated values.`,
    bm25: `paste -d, a.txt b.txt joins two files side by side: it prints the first line of each separated by a comma, then the second line of each, and so on. It is a quick way to build a two-column file.`,
    dense: `column -t file.txt aligns whitespace-separated fields into a neat table for reading, padding every column to the width of its longest entry. It changes the layout only, never the content.`,
    llm: [["Use awk '{ print $2 }' file.txt.", "Use awk '{ print $1 }' file.txt."], ['numbering them $1, $2 and so on, with $0 holding the whole line', 'numbering them $0, $1 and so on, with $NF holding the whole line']],
  },
  {
    id: 'q53', tool: 'cut',
    query: 'How do I extract specific fields from a CSV line with cut?',
    positive: `Use cut -d, -f1,3 data.csv. The -d option sets the field delimiter, a comma here, and -f lists the fields to keep, numbered from 1; ranges such as -f2-4 work too. cut knows nothing about quoting, so a quoted value that contains a comma is split in two; use a real CSV tool for such files.`,
    bm25: `cut -c1-8 file.txt extracts characters 1 through 8 of each line instead of fields, which suits fixed-width formats. With -b it counts bytes instead, which gives a different result for multibyte text.`,
    dense: `csvcut from csvkit selects columns by name or by number, as in csvcut -c name,email people.csv, and it handles quoted values correctly, which plain text tools do not.`,
    llm: [['Use cut -d, -f1,3 data.csv. The -d option sets', 'Use cut -t, -f1,3 data.csv. The -t option sets']],
  },
  {
    id: 'q54', tool: 'ssh',
    query: 'How do I forward a local port to a remote service over SSH?',
    positive: `Use ssh -L 8080:localhost:5432 user@gateway. Connections to port 8080 on your machine are carried through the SSH connection and opened by the gateway to localhost:5432, that is, port 5432 on the gateway itself. Add -N to forward without running a remote command, and -f to send ssh to the background once it has authenticated.`,
    bm25: `ssh -p 2222 user@host connects to an SSH server that listens on a non-default port. On the remote side, the sshd port is set by the Port directive in /etc/ssh/sshd_config, and the service has to be restarted after changing it.`,
    dense: `ssh -D 1080 user@gateway opens a dynamic SOCKS proxy on local port 1080. Applications configured to use it send their traffic out through the gateway, which is handy for browsing as if you were inside the remote network.`,
    llm: [['Use ssh -L 8080', 'Use ssh -R 8080']],
  },
  {
    id: 'q55', tool: 'dd',
    query: 'How do I write an ISO image to a USB stick?',
    positive: `Identify the stick with lsblk, then run sudo dd if=distro.iso of=/dev/sdX bs=4M status=progress conv=fsync, replacing sdX with the whole device, not a partition such as sdX1. if is the input file, of the output, bs the block size, and conv=fsync flushes the data before dd exits. Double-check the device name: dd overwrites it without asking.`,
    bm25: `mount -o loop distro.iso /mnt makes the files inside an ISO image readable under /mnt without writing the image anywhere. Current versions of mount set up the loop device automatically, so -o loop is optional.`,
    dense: `mkfs.vfat -F 32 /dev/sdX1 formats a partition of a USB stick with FAT32 so that Windows, macOS and Linux can all read it. Create the partition first with fdisk or parted if the stick has none.`,
    llm: [['dd if=distro.iso of=/dev/sdX bs=4M', 'dd if=/dev/sdX of=distro.iso bs=4M']],
  },
  {
    id: 'q56', tool: 'nproc',
    query: 'How do I find out how many CPU cores a Linux machine has?',
    positive: `Run nproc, which prints the number of processing units available to the current process, or lscpu for the full picture: it reports the sockets, cores per socket and threads per core, plus the CPU model. With hyper-threading, nproc counts logical CPUs, so it may show twice the number of physical cores.`,
    bm25: `The load average shown by uptime and top is the number of processes running or waiting to run, averaged over 1, 5 and 15 minutes. On a Linux machine, compare it with the number of CPU cores: a load of 4 means fully busy on four cores but light on sixteen.`,
    dense: `lsblk lists block devices such as disks and partitions with their sizes and mount points, and lspci lists PCI hardware like network and graphics cards. Together with lsusb they give a quick inventory of a machine's hardware.`,
    llm: [['nproc counts logical CPUs, so it may show twice the number of physical cores', 'nproc counts physical cores, so it may show half the number of logical CPUs']],
  },
  {
    id: 'q57', tool: 'timeout',
    query: 'How do I run a command with a time limit?',
    positive: `Use timeout from coreutils: timeout 30s ./fetch-data.sh runs the script and sends it SIGTERM if it is still going after thirty seconds. The exit status is 124 when the time limit was hit. Add -k 5s to follow up with SIGKILL five seconds later if the program ignores the first signal, or -s to choose a different signal.`,
    bm25: `The time command reports how long a command took to run: real is the elapsed time, while user and sys are the CPU seconds spent in user space and in the kernel. In bash, time is a keyword and can measure a whole pipeline.`,
    dense: `ulimit -t 60 caps the CPU time that a shell's child processes may use at sixty seconds; a process that exceeds it receives SIGXCPU. Other ulimit options limit file sizes, open files and memory.`,
    llm: [['The exit status is 124 when', 'The exit status is 137 when'], ['timeout 30s ./fetch-data.sh runs the script and sends it SIGTERM', 'timeout 30s ./fetch-data.sh runs the script and sends it SIGKILL']],
  },
  {
    id: 'q58', tool: 'shell',
    query: 'How do I find the full path of an executable command?',
    positive: `Use command -v python3, which prints the path the shell would execute, such as /usr/bin/python3, or nothing if no such command exists. For aliases and functions it prints their definition or name instead. type -a python3 lists every match in PATH order, and which behaves similarly but is an external program whose output varies between systems.`,
    bm25: `realpath prints the absolute, canonical path of a file, resolving symbolic links and any . or .. components, so realpath ../notes.txt shows the full path starting from the root directory.`,
    dense: `echo $PATH shows the colon-separated list of directories the shell searches for commands, in order. Prepend a directory with export PATH="$HOME/bin:$PATH" so that your own scripts take precedence.`,
    llmDup: 'drop-sentence',
  },
  {
    id: 'q59', tool: 'git',
    query: 'How do I discard local changes to a single file in Git?',
    positive: `Run git restore path/to/file, which overwrites the file in the working tree with its staged version and throws away your unstaged edits. If the changes are already staged, first run git restore --staged path/to/file to unstage them. On Git versions before 2.23, git checkout -- path/to/file does the same. The discarded edits cannot be recovered.`,
    bm25: `git rm --cached path/to/file stops tracking a file in Git but leaves it on disk, the usual step after adding it to .gitignore. The removal is recorded in the next commit.`,
    dense: `git clean -n lists the untracked files that would be removed, and git clean -f actually deletes them; -d includes untracked directories. Files matched by .gitignore are kept unless you add -x.`,
    llm: [['which overwrites the file in the working tree with its staged version and throws away your unstaged edits', 'which overwrites the staged version with the file in the working tree and keeps your unstaged edits']],
  },
  {
    id: 'q60', tool: 'file',
    query: 'How do I find out what type of data a file contains?',
    positive: `Run file name.bin. file ignores the extension and inspects the first bytes of the content against a database of magic numbers, so it can tell that a .txt file is really a gzip archive or an ELF executable. file -i prints the MIME type, such as application/gzip, instead of a description.`,
    bm25: `stat name.bin prints a file's metadata: size, number of blocks, inode number, permissions, owner, and the access, modification and change times. stat -c %s name.bin prints just the size in bytes.`,
    dense: `xxd name.bin | head shows the first bytes of a file in hexadecimal with an ASCII column beside them, so you can inspect a header by eye. hexdump -C gives a similar canonical view.`,
    llm: [['file ignores the extension and inspects the first bytes of the content against a database of magic numbers, so it can tell', 'file looks only at the extension and checks it against a table of known suffixes, so it cannot tell']],
  },
];

// ---------------------------------------------------------------------------

/** Replace the single occurrence of `from` in `text` (no `$` patterns, no regex). */
function replaceOnce(text, from, to, where) {
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`${where}: edit source not found: ${JSON.stringify(from)}`);
  if (text.indexOf(from, at + 1) >= 0) throw new Error(`${where}: edit source occurs twice: ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The kind of normalisation a duplicate check would apply: case and whitespace. */
const loose = (s) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

function llmNegative(item) {
  const p = item.positive;
  switch (item.llmDup) {
    case 'exact':
      return p;
    case 'whitespace': // doubled spaces after every sentence and a trailing space
      return p.replace(/\. /g, '.  ') + ' ';
    case 'case': // the whole passage lower-cased
      return p.toLowerCase();
    case 'drop-sentence': { // the positive without its shortest sentence (never the first)
      const sentences = p.match(/[^.!?]+(?:[.!?](?=\s|$))+\s*/g);
      if (!sentences || sentences.length < 3 || sentences.join('') !== p) throw new Error(`${item.id}: cannot split into sentences`);
      let drop = 1;
      for (let k = 2; k < sentences.length; k++) if (sentences[k].length < sentences[drop].length) drop = k;
      return sentences.filter((_, k) => k !== drop).join('').trim();
    }
    case undefined: {
      let n = p;
      for (const [from, to] of item.llm) n = replaceOnce(n, from, to, item.id);
      return n;
    }
    default:
      throw new Error(`${item.id}: unknown llmDup ${item.llmDup}`);
  }
}

/** mulberry32: a small seeded PRNG so the Random source is reproducible. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** partner[i] = index of the query whose positive becomes query i's random negative. */
function randomPartners(items, seed) {
  const rand = prng(seed);
  const n = items.length;
  const perm = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const bad = (i) => perm[i] === i || items[perm[i]].tool === items[i].tool;
  // Repair: swap a bad slot with another slot such that both become fine.
  for (let pass = 0; pass < 10 && perm.some((_, i) => bad(i)); pass++) {
    for (let i = 0; i < n; i++) {
      if (!bad(i)) continue;
      for (let k = 1; k < n; k++) {
        const j = (i + k) % n;
        [perm[i], perm[j]] = [perm[j], perm[i]];
        if (!bad(i) && !bad(j)) break;
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
    }
  }
  if (perm.some((_, i) => bad(i))) throw new Error('could not build a random pairing');
  return perm;
}

const words = (s) => s.split(/\s+/).filter(Boolean).length;

function check(items) {
  const ids = new Set();
  for (const it of items) {
    if (ids.has(it.id)) throw new Error(`duplicate id ${it.id}`);
    ids.add(it.id);
    for (const key of ['query', 'positive', 'bm25', 'dense']) {
      if (typeof it[key] !== 'string' || !it[key].trim()) throw new Error(`${it.id}: empty ${key}`);
      if (/[\u0000-\u001f]/.test(it[key])) throw new Error(`${it.id}: control character in ${key}`);
    }
    const qw = words(it.query);
    const pw = words(it.positive);
    if (qw < 6 || qw > 14) throw new Error(`${it.id}: query has ${qw} words`);
    if (pw < 40 || pw > 90) throw new Error(`${it.id}: positive has ${pw} words`);
    if (!!it.llm === !!it.llmDup) throw new Error(`${it.id}: needs exactly one of llm / llmDup`);
    const n = llmNegative(it);
    // Unplanted LLM negatives must really differ from the positive after case and
    // whitespace folding (a -i / -I swap alone would read as a duplicate).
    if (!it.llmDup && loose(n) === loose(it.positive)) throw new Error(`${it.id}: LLM edit vanishes under case folding`);
  }
}

function main() {
  check(ITEMS);
  const partner = randomPartners(ITEMS, 13);
  const triple = (it, negative, source) =>
    JSON.stringify({ query: it.query, positive: it.positive, negative, source });

  const files = {
    'data/bm25.jsonl': ITEMS.map((it) => triple(it, it.bm25, 'BM25')),
    'data/dense.jsonl': ITEMS.map((it) => triple(it, it.dense, 'Dense')),
    'data/llm.jsonl': ITEMS.map((it) => triple(it, llmNegative(it), 'LLM')),
    'data/random.jsonl': ITEMS.map((it, i) => triple(it, ITEMS[partner[i]].positive, 'Random')),
  };

  // malformed.jsonl: good triples taken from the dataset, mixed with broken lines.
  // Keep this list in the order documented in examples/README.md.
  const good = (i) => triple(ITEMS[i], ITEMS[i].bm25, 'BM25');
  const it = ITEMS[2];
  const q = JSON.stringify(it.query);
  const p = JSON.stringify(it.positive);
  const n = JSON.stringify(it.bm25);
  files['malformed.jsonl'] = [
    good(0), //                                                                    1 ok
    `{"query": ${q}, "positive": ${p}, "negative": ${n}, "source": "BM25"`, //    2 missing closing brace
    good(1), //                                                                    3 ok
    `{"query": ${q}, "positive": ${p}, "negative": 42, "source": "BM25"}`, //     4 number as negative
    `{"query": "", "positive": ${p}, "negative": ${n}, "source": "BM25"}`, //     5 empty query
    good(3), //                                                                    6 ok
    `{"query": ${q}, "positive": ${p}, "source": "BM25"}`, //                     7 no negative
    `{"query": [${q}], "positive": ${p}, "negative": ${n}, "source": "BM25"}`, // 8 array as query
    `{"query": ${q}, "positive": null, "negative": ${n}, "source": "BM25"}`, //   9 null positive
    good(4), //                                                                   10 ok
    `{"query": ${q}, "positive": ${p}, "negative": ${n}, "source": "BM25",}`, // 11 trailing comma
    `{"query": ${q}, "positive": ${p}, "negative": "", "source": "BM25"}`, //    12 empty negative
    `[${q}, ${p}, ${n}]`, //                                                     13 array, not an object
    `{"query": ${q}, "positive": {"text": ${p}}, "negative": ${n}, "source": "BM25"}`, // 14 object as positive
    good(5), //                                                                   15 ok
  ];

  for (const [name, lines] of Object.entries(files)) {
    const path = join(HERE, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, lines.join('\n') + '\n');
  }

  // A short summary, so the line numbers in README.md can be checked by eye.
  const line = (id) => ITEMS.findIndex((x) => x.id === id) + 1;
  const fn = ITEMS.filter((x) => x.denseAnswers).map((x) => `${x.id} (line ${line(x.id)})`);
  const dup = ITEMS.filter((x) => x.llmDup).map((x) => `${x.id} (line ${line(x.id)}, ${x.llmDup})`);
  const stats = (key, get) => {
    const w = ITEMS.map(get).map(words);
    return `${key}: ${Math.min(...w)}-${Math.max(...w)} words`;
  };
  console.log(`${ITEMS.length} queries per source file`);
  console.log([
    stats('query', (x) => x.query),
    stats('positive', (x) => x.positive),
    stats('bm25', (x) => x.bm25),
    stats('dense', (x) => x.dense),
  ].join('; '));
  console.log(`dense.jsonl false negatives: ${fn.join(', ')}`);
  console.log(`llm.jsonl duplicates: ${dup.join(', ')}`);
  console.log(`random pairing: ${ITEMS.map((x, i) => `${x.id}<-${ITEMS[partner[i]].id}`).join(' ')}`);
}

main();
