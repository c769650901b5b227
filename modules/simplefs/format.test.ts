// The on-disk format by itself: an image survives encode and decode exactly
// (names in any script, times or none), a block of zeros holds no
// superblock, metadata cut short or claiming more than it holds is refused,
// and the metadata's blocks are the last free ones, as extents.

import { describe, expect, it } from 'vitest';
import { decodeImage, decodeSuperblock, encodeImage, encodeSuperblock, extentBlocks, FORMAT_VERSION, metadataExtents, MAX_META_EXTENTS, type VolumeImage } from './format.js';

const image: VolumeImage = {
  root: 3,
  inodes: [
    { ino: 3, type: 'dir', size: 0, nlink: 3, blocks: [] },
    { ino: 4, type: 'file', size: 1025, nlink: 1, blocks: [7, 8, 12], ctime: 2 ** 40 + 1, mtime: 123 },
    { ino: 9, type: 'dir', size: 0, nlink: 2, blocks: [], ctime: 0, mtime: 0 },
  ],
  dirs: new Map([[3, [{ name: 'd', ino: 9 }, { name: 'été ✓ \u{1F600}', ino: 4 }]], [9, []]]),
  bitmap: [-1, 0x0f, 0],
};

describe('simplefs on-disk format', () => {
  it('decodes what it encodes, field for field', () => {
    const back = decodeImage(encodeImage(image));
    expect(back).toEqual(image);
    expect(back.inodes[0]).not.toHaveProperty('ctime'); // no times stays no times
  });

  it('refuses metadata cut short, and a count larger than the bytes behind it', () => {
    const bytes = encodeImage(image);
    expect(() => decodeImage(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    const lying = bytes.slice();
    new DataView(lying.buffer).setUint32(4, 1_000_000, true); // the inode count
    expect(() => decodeImage(lying)).toThrow(/more than the metadata holds/);
  });

  it('finds no superblock in zeros, and reads back the one it wrote', () => {
    expect(decodeSuperblock(new Uint8Array(512))).toBeNull();
    const sb = { blocks: 8192, bytes: 700, checksum: 0xdeadbeef, extents: [{ start: 8000, length: 2 }] };
    expect(decodeSuperblock(encodeSuperblock(sb))).toEqual({ ...sb, version: FORMAT_VERSION });
  });

  it('puts the metadata in the last free blocks, ascending, and says when they are too few', () => {
    const bitmap = [0b1, 0b0100_0000_0000_0000_0000_0000_0000_0000]; // blocks 0 and 62 in use, 64 blocks
    const ext = metadataExtents(bitmap, 64, 3)!;
    expect(ext).toEqual([{ start: 60, length: 2 }, { start: 63, length: 1 }]);
    expect(extentBlocks(ext)).toEqual([60, 61, 63]);
    expect(metadataExtents(bitmap, 64, 62)).toHaveLength(2); // every free block
    expect(metadataExtents(bitmap, 64, 63)).toBeNull(); // 62 free blocks
    const checkered = [0x55555555, 0x55555555, 0x55555555, 0x55555555]; // every other block in use
    expect(metadataExtents(checkered, 128, MAX_META_EXTENTS)).toHaveLength(MAX_META_EXTENTS);
    expect(metadataExtents(checkered, 128, MAX_META_EXTENTS + 1)).toBeNull(); // more extents than the superblock lists
  });
});
