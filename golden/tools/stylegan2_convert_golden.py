#!/usr/bin/env python3
"""Goldens of the StyleGAN2 converter (golden/tools/stylegan2_convert.py):
pretrained networks cannot be downloaded here, so a generator of the
plain-PyTorch reimplementation (stylegan2_ref.py) with random weights,
every tensor perturbed so each matters (noise strengths, w_avg, biases),
is written the way stylegan2-ada-pytorch's training loop writes a network
pickle: a dict whose networks are "persistent" objects, each pickled as a
call of torch_utils.persistence._reconstruct_persistent_obj(meta) with the
module's __dict__ as meta['state'] and the constructor's kwargs as
state['init_kwargs'] (a stub module of that name stands in for the
reference's at pickling time). The converter turns the pickle into a gan99
model file; the script checks that the plain state_dict path gives the
same file and that --to-torch loads back into the networks with
strict=True and renders the same images.

Writes golden/stylegan/:
  converted.safetensors     the converter's output (a gan99 model file)
  converted_io.safetensors  z [3, z_dim] and G(z) at psi 0.7 (all ws) and
                            at psi 0.5 with cutoff 2, constant noise
Run: /usr/bin/python3 golden/tools/stylegan2_convert_golden.py   (torch 1.13)
"""
import os
import pickle
import sys
import tempfile
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import st_write  # noqa: E402
import stylegan2_ref as ref  # noqa: E402
import stylegan2_convert as conv  # noqa: E402

OUT = os.path.join(HERE, '..', 'stylegan')
torch.manual_seed(20261204)
torch.set_num_threads(1)

KW = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3,
          mapping_kwargs=dict(num_layers=3),
          synthesis_kwargs=dict(channel_base=256, channel_max=16, num_fp16_res=0, conv_clamp=None))


# ---- a network pickle as the reference's persistence module writes one ----

def _reconstruct_persistent_obj(meta):   # only named in the pickle, never called here
    raise RuntimeError('stub')


persistence = types.ModuleType('torch_utils.persistence')
persistence._reconstruct_persistent_obj = _reconstruct_persistent_obj
_reconstruct_persistent_obj.__module__ = 'torch_utils.persistence'
sys.modules['torch_utils'] = types.ModuleType('torch_utils')
sys.modules['torch_utils.persistence'] = persistence
dnnlib_util = types.ModuleType('dnnlib.util')


class EasyDict(dict):
    pass


EasyDict.__module__ = 'dnnlib.util'
dnnlib_util.EasyDict = EasyDict
sys.modules['dnnlib'] = types.ModuleType('dnnlib')
sys.modules['dnnlib.util'] = dnnlib_util


class Persisted:
    def __init__(self, module, init_kwargs):
        self.module, self.init_kwargs = module, init_kwargs

    def __reduce__(self):
        state = dict(self.module.__dict__)
        state['_modules'] = {k: Persisted(v, {}) for k, v in self.module._modules.items()}
        state['init_args'] = ()
        state['init_kwargs'] = EasyDict(self.init_kwargs)
        meta = dict(type='class', version=6, module_src='# the class source would be here',
                    class_name=type(self.module).__name__, state=state)
        return (_reconstruct_persistent_obj, (meta,))


def make_generator():
    s = KW['synthesis_kwargs']
    g = ref.Generator(KW['z_dim'], KW['w_dim'], KW['img_resolution'], KW['img_channels'],
                      num_layers=KW['mapping_kwargs']['num_layers'], channel_base=s['channel_base'],
                      channel_max=s['channel_max'], conv_clamp=s['conv_clamp'])
    with torch.no_grad():
        for k, t in g.state_dict().items():
            if k.endswith('noise_strength'):
                t.copy_(torch.randn([]) * 0.3)
            elif k.endswith('w_avg'):
                t.copy_(torch.randn(t.shape) * 0.5)
            elif k.endswith('bias') and 'affine' not in k:
                t.add_(torch.randn(t.shape) * 0.1)
    return g.eval()


def render(g, z, psi, cutoff):
    with torch.no_grad():
        return g(z, truncation_psi=psi, truncation_cutoff=cutoff, noise_mode='const')


def main():
    os.makedirs(OUT, exist_ok=True)
    g = make_generator()
    tmp = tempfile.mkdtemp()
    pkl = os.path.join(tmp, 'network-snapshot-000000.pkl')
    with open(pkl, 'wb') as f:
        pickle.dump({'G': Persisted(g, KW), 'D': None, 'G_ema': Persisted(g, KW),
                     'training_set_kwargs': EasyDict(path='faces.zip'), 'augment_pipe': None}, f)
    for name in ('torch_utils', 'torch_utils.persistence', 'dnnlib', 'dnnlib.util'):
        del sys.modules[name]   # the converter must read it without them
    out = os.path.join(OUT, 'converted.safetensors')
    conv.to_gan99(pkl, out, 'G_ema', None)

    # the plain state_dict path: the same file
    pt = os.path.join(tmp, 'g_ema.pt')
    torch.save(g.state_dict(), pt)
    out2 = os.path.join(tmp, 'from_state_dict.safetensors')
    conv.to_gan99(pt, out2, 'G_ema', None)
    assert open(out, 'rb').read() == open(out2, 'rb').read(), 'state_dict path differs from the pickle path'

    # and back: strict load into the networks, the same images
    back = os.path.join(tmp, 'back.pt')
    conv.to_torch(out, back)
    sd = torch.load(back)
    g2 = make_generator()
    g2.load_state_dict(sd, strict=True)
    z = torch.randn([3, KW['z_dim']])
    a, b = render(g, z, 0.7, None), render(g, z, 0.5, 2)
    assert torch.equal(a, render(g2, z, 0.7, None)) and torch.equal(b, render(g2, z, 0.5, 2))
    st_write.save(os.path.join(OUT, 'converted_io.safetensors'),
                  {'z': z, 'img_psi07': a.contiguous(), 'img_psi05_cut2': b.contiguous()})
    print('wrote', out, 'and converted_io.safetensors; |img| max %.3f' % float(a.abs().max()))


if __name__ == '__main__':
    main()
