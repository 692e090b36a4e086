#!/usr/bin/env python3
"""Converts StyleGAN2 generators between stylegan2-ada-pytorch and gan99.

  to gan99:   stylegan2_convert.py NETWORK.pkl|G_EMA.pt OUT.safetensors [--net G_ema] [--conv-clamp C]
  from gan99: stylegan2_convert.py MODEL.safetensors OUT.pt --to-torch

NETWORK.pkl is a network pickle as stylegan2-ada-pytorch's training loop
writes it (a dict with 'G', 'D', 'G_ema', ...). It is read without the
reference's code: its networks are "persistent" objects, each pickled as a
call of torch_utils.persistence._reconstruct_persistent_obj(meta) whose
meta holds the class's source and the module's __dict__ ('state'). A stub
of that function keeps the state, and the state_dict is read off the
'_parameters', '_buffers' and '_modules' entries, as torch's own
state_dict() would walk them. 'init_kwargs' gives the architecture.

G_EMA.pt is a plain G_ema.state_dict() saved with torch.save; the
architecture is then read off the tensor shapes (conv_clamp cannot be: give
--conv-clamp when the network was built with one).

The gan99 file is a model file (as a run's model.safetensors): the G_ema
tensors under their own keys, gan99.arch "stylegan" and gan99.config with
the architecture. --to-torch writes the state_dict back (torch.save) with
the architecture beside it as OUT.json, so the reference's
Generator(**kwargs).load_state_dict(sd, strict=True) takes it.

Needs python3-torch; not used by the tests (their inputs are committed).
"""
import argparse
import json
import os
import pickle
import re
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_write  # noqa: E402


# ---- reading a network pickle without the reference's code -----------------

class Persistent:
    """What _reconstruct_persistent_obj(meta) would rebuild, kept as data."""

    def __init__(self, meta):
        self.class_name = meta.get('class_name')
        self.state = meta.get('state', {})

    def state_dict(self, prefix=''):
        out = {}
        st = self.state
        for name, p in (st.get('_parameters') or {}).items():
            if p is not None:
                out[prefix + name] = p.detach()
        skip = st.get('_non_persistent_buffers_set') or set()
        for name, b in (st.get('_buffers') or {}).items():
            if b is not None and name not in skip:
                out[prefix + name] = b.detach()
        for name, child in (st.get('_modules') or {}).items():
            if child is None:
                continue
            if isinstance(child, Persistent):
                out.update(child.state_dict(prefix + name + '.'))
            else:   # a plain torch module
                out.update({prefix + name + '.' + k: v for k, v in child.state_dict().items()})
        return out


class EasyDictStub(dict):
    def __setstate__(self, state):
        self.update(state or {})


class NetworkUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == 'torch_utils.persistence' and name == '_reconstruct_persistent_obj':
            return Persistent
        if module.startswith('dnnlib'):
            return EasyDictStub
        return super().find_class(module, name)


def read_pickle(path, net):
    with open(path, 'rb') as f:
        data = NetworkUnpickler(f).load()
    if not isinstance(data, dict) or net not in data:
        raise SystemExit('%s: not a stylegan2-ada-pytorch network pickle (no %s)' % (path, net))
    g = data[net]
    if not isinstance(g, Persistent):
        raise SystemExit('%s: %s is not a persistent network object' % (path, net))
    return g.state_dict(), dict(g.state.get('init_kwargs') or {})


# ---- the architecture ----------------------------------------------------------

def arch_from_state_dict(sd):
    """The Generator's kwargs as far as the tensor shapes tell them."""
    res = sorted(int(m.group(1)) for k in sd for m in [re.match(r'synthesis\.b(\d+)\.', k)] if m)
    if not res:
        raise SystemExit('not a StyleGAN2 generator: no synthesis.b* tensors')
    size = res[-1]
    n_fc = len({k.split('.')[1] for k in sd if re.match(r'mapping\.fc\d+\.weight', k)})
    ch = {}
    for r in sorted(set(res)):
        w = sd['synthesis.b%d.%s.weight' % (r, 'conv1')]
        ch[r] = w.shape[0]
    cmax = max(ch.values())
    base = cmax * size
    for r in sorted(ch):
        if ch[r] < cmax:
            base = ch[r] * r
            break
    for r in ch:
        if min(base // r, cmax) != ch[r]:
            raise SystemExit('channels %s follow no channel_base/channel_max rule' % ch)
    return {
        'z_dim': sd['mapping.fc0.weight'].shape[1],
        'w_dim': sd['mapping.fc%d.weight' % (n_fc - 1)].shape[0],
        'c_dim': 0,
        'img_resolution': size,
        'img_channels': sd['synthesis.b%d.torgb.weight' % size].shape[0],
        'mapping_kwargs': {'num_layers': n_fc},
        'synthesis_kwargs': {'channel_base': base, 'channel_max': cmax, 'conv_clamp': None,
                             'architecture': 'skip'},
    }


def check_supported(kw):
    syn = kw.get('synthesis_kwargs', {})
    if kw.get('c_dim', 0):
        raise SystemExit('conditional generators (c_dim %d) are not supported' % kw['c_dim'])
    if syn.get('architecture', 'skip') != 'skip':
        raise SystemExit('synthesis architecture %s: gan99 has skip' % syn['architecture'])
    if syn.get('num_fp16_res', 0):
        print('note: the network ran its top %d resolutions in fp16; gan99 runs fp32' % syn['num_fp16_res'])


# gan99.config of a stylegan model file: the family's arch options
# (gan/arch_stylegan.c) from the reference's Generator kwargs.
def gan99_config(kw):
    syn = kw.get('synthesis_kwargs', {})
    mp = kw.get('mapping_kwargs', {})
    return {
        'size': kw['img_resolution'],
        'z_dim': kw['z_dim'],
        'w_dim': kw['w_dim'],
        'map_layers': mp.get('num_layers', 8),
        'channel_base': syn.get('channel_base', 32768),
        'channel_max': syn.get('channel_max', 512),
        'conv_clamp': syn.get('conv_clamp') or 0,
    }


def torch_kwargs(cfg):
    return {
        'z_dim': cfg['z_dim'], 'w_dim': cfg['w_dim'], 'c_dim': 0,
        'img_resolution': cfg['size'], 'img_channels': 3,
        'mapping_kwargs': {'num_layers': cfg['map_layers']},
        'synthesis_kwargs': {'channel_base': cfg['channel_base'], 'channel_max': cfg['channel_max'],
                             'conv_clamp': cfg['conv_clamp'] or None, 'architecture': 'skip'},
    }


# ---- the two directions -----------------------------------------------------

def to_gan99(src, out, net, conv_clamp):
    with open(src, 'rb') as f:
        magic = f.read(2)
    if src.endswith('.pkl') or magic[:1] == b'\x80' and not src.endswith('.pt'):
        sd, kw = read_pickle(src, net)
    else:
        sd, kw = torch.load(src, map_location='cpu'), {}
        if not isinstance(sd, dict):
            raise SystemExit('%s: not a state_dict' % src)
    if not kw:
        kw = arch_from_state_dict(sd)
    if conv_clamp is not None:
        kw.setdefault('synthesis_kwargs', {})['conv_clamp'] = conv_clamp
    check_supported(kw)
    cfg = gan99_config(kw)
    tensors = {k: v.float().contiguous() for k, v in sd.items()}
    st_write.save(out, tensors, {'gan99.arch': 'stylegan', 'gan99.config': json.dumps(cfg, sort_keys=True,
                                                                                     separators=(',', ':'))})
    print('%s: %d tensors, %s' % (out, len(tensors), json.dumps(cfg, sort_keys=True)))


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop('__metadata__', {})
    out = {}
    for k, e in header.items():
        a, b = e['data_offsets']
        if e['dtype'] != 'F32':
            raise SystemExit('%s: %s is %s; gan99 model files are F32' % (path, k, e['dtype']))
        vals = struct.unpack('<%df' % ((b - a) // 4), data[a:b])
        out[k] = torch.tensor(vals, dtype=torch.float32).reshape(e['shape'] if e['shape'] else [])
    return out, meta


def to_torch(src, out):
    sd, meta = read_safetensors(src)
    if meta.get('gan99.arch') != 'stylegan':
        raise SystemExit('%s: not a gan99 stylegan model file (gan99.arch %r)' % (src, meta.get('gan99.arch')))
    cfg = json.loads(meta['gan99.config'])
    torch.save(sd, out)
    with open(os.path.splitext(out)[0] + '.json', 'w') as f:
        json.dump(torch_kwargs(cfg), f, indent=1, sort_keys=True)
    print('%s: %d tensors; Generator kwargs in %s' % (out, len(sd), os.path.splitext(out)[0] + '.json'))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('src')
    ap.add_argument('out')
    ap.add_argument('--to-torch', action='store_true')
    ap.add_argument('--net', default='G_ema')
    ap.add_argument('--conv-clamp', type=float, default=None)
    a = ap.parse_args()
    if a.to_torch:
        to_torch(a.src, a.out)
    else:
        to_gan99(a.src, a.out, a.net, a.conv_clamp)


if __name__ == '__main__':
    main()
