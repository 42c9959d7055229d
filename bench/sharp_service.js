#!/usr/bin/env node
// The sharp (libvips) anchor of the benchmark: the design's workload
// (thumbnail 150 px JPEG q80 / WebP q75, preview 500 q85/q80, full 2048
// q90/q85, no enlargement) done the way a Node.js service would do it.
//
//   SHARP_MODULE=DIR/node_modules/sharp node sharp_service.js -j N -o OUTDIR IMAGE...
//   node sharp_service.js --versions
//
// One sharp(input) per image, clone() per variant and format,
// resize(d, d, {fit: 'inside', withoutEnlargement: true}), jpeg({quality}) /
// webp({quality}); N images in flight (a promise pool). sharp.concurrency(1)
// and UV_THREADPOOL_SIZE=N (set by bench/run) keep sharp to N worker threads,
// the same thread budget as the other tools.  Writes
// OUTDIR/{thumbnail,preview,full}/NAME.{jpg,webp}; exits 1 if any image failed.
'use strict';

const fs = require('fs');
const path = require('path');

const sharp = require(process.env.SHARP_MODULE || 'sharp');

const VARIANTS = [
  { name: 'thumbnail', box: 150, jpeg: 80, webp: 75 },
  { name: 'preview', box: 500, jpeg: 85, webp: 80 },
  { name: 'full', box: 2048, jpeg: 90, webp: 85 },
];

function usage() {
  process.stderr.write('usage: sharp_service.js [-j N] -o OUTDIR IMAGE... | --versions\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { threads: 1, outdir: null, images: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-j' || a === '--threads') {
      args.threads = parseInt(argv[++i], 10);
    } else if (a === '-o' || a === '--outdir') {
      args.outdir = argv[++i];
    } else if (a.startsWith('-')) {
      usage();
    } else {
      args.images.push(a);
    }
  }
  if (!args.outdir || !args.images.length || !(args.threads > 0)) usage();
  return args;
}

async function processImage(file, outdir) {
  const name = path.parse(file).name;
  const input = sharp(file);
  const jobs = [];
  for (const v of VARIANTS) {
    const dir = path.join(outdir, v.name);
    const sized = () => input.clone().resize(v.box, v.box,
        { fit: 'inside', withoutEnlargement: true });
    jobs.push(sized().jpeg({ quality: v.jpeg }).toFile(path.join(dir, name + '.jpg')));
    jobs.push(sized().webp({ quality: v.webp }).toFile(path.join(dir, name + '.webp')));
  }
  const infos = await Promise.all(jobs);
  return infos.reduce((sum, info) => sum + info.size, 0);
}

async function main() {
  if (process.argv[2] === '--versions') {
    process.stdout.write(JSON.stringify(sharp.versions) + '\n');
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  sharp.concurrency(1);
  for (const v of VARIANTS) fs.mkdirSync(path.join(args.outdir, v.name), { recursive: true });

  let next = 0, failed = 0, written = 0;
  async function worker() {
    while (next < args.images.length) {
      const file = args.images[next++];
      try {
        written += await processImage(file, args.outdir);
      } catch (err) {
        failed++;
        process.stderr.write(`sharp: ${file}: ${err.message}\n`);
      }
    }
  }
  const workers = [];
  for (let i = 0; i < Math.min(args.threads, args.images.length); i++) workers.push(worker());
  await Promise.all(workers);
  process.stderr.write(`sharp: ${args.images.length} images, ${written} bytes written\n`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`sharp: ${err.stack || err}\n`);
  process.exitCode = 1;
});
