// Imported first by the benchmark entry points: the same thread-pool size `bin/ferry.js` gives a
// Ferry process, since the document benchmark runs Ferry's uploader in this process.
process.env.UV_THREADPOOL_SIZE ??= '16';
