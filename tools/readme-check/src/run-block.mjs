// Runs one README block (argv[2], a file URL) in this process, under tsx. A block must end
// by itself, as the script a reader copies would: once its top level has finished, anything
// still holding the process open after the grace period (argv[3] ms) is reported by name.
const [url = '', graceMs] = process.argv.slice(2);
// What is open before the block runs (stdout and stderr, touched first so that their
// pipes are counted) is ours, not the block's.
void process.stdout;
void process.stderr;
const ours = process.getActiveResourcesInfo();
await import(url);
setTimeout(() => {
  // Unref'd, this timer is not among the resources listed.
  const open = process.getActiveResourcesInfo();
  for (const r of ours) open.splice(open.indexOf(r), 1);
  console.error(
    `the block's code finished, but ${open.join(', ')} still held the process open ` +
      `${graceMs} ms later. Close what it opens (client.quit(), server.close(), clearInterval).`,
  );
  process.exit(70);
}, Number(graceMs)).unref();
