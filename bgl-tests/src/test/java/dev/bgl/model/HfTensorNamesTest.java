package dev.bgl.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class HfTensorNamesTest {
    @Test
    void mapsEveryNameBothWays() {
        String[][] pairs = {
                {"model.embed_tokens.weight", "token_embd.weight"},
                {"model.norm.weight", "output_norm.weight"},
                {"lm_head.weight", "output.weight"},
                {"model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"},
                {"model.layers.3.self_attn.q_proj.weight", "blk.3.attn_q.weight"},
                {"model.layers.3.self_attn.k_proj.weight", "blk.3.attn_k.weight"},
                {"model.layers.3.self_attn.v_proj.weight", "blk.3.attn_v.weight"},
                {"model.layers.3.self_attn.q_proj.bias", "blk.3.attn_q.bias"},
                {"model.layers.3.self_attn.k_proj.bias", "blk.3.attn_k.bias"},
                {"model.layers.3.self_attn.v_proj.bias", "blk.3.attn_v.bias"},
                {"model.layers.12.self_attn.o_proj.weight", "blk.12.attn_output.weight"},
                {"model.layers.12.self_attn.q_norm.weight", "blk.12.attn_q_norm.weight"},
                {"model.layers.12.self_attn.k_norm.weight", "blk.12.attn_k_norm.weight"},
                {"model.layers.35.post_attention_layernorm.weight", "blk.35.ffn_norm.weight"},
                {"model.layers.35.mlp.gate_proj.weight", "blk.35.ffn_gate.weight"},
                {"model.layers.35.mlp.up_proj.weight", "blk.35.ffn_up.weight"},
                {"model.layers.35.mlp.down_proj.weight", "blk.35.ffn_down.weight"},
        };
        for (String[] p : pairs) {
            assertEquals(p[1], HfTensorNames.toGguf(p[0]), p[0]);
            assertEquals(p[0], HfTensorNames.toHf(p[1]), p[1]);
        }
    }

    @Test
    void unknownNamesMapToNull() {
        for (String hf : new String[]{"model.rotary_emb.inv_freq", "model.layers.0.self_attn.rotary_emb.inv_freq",
                "model.layers.01.mlp.up_proj.weight", "model.layers.-1.mlp.up_proj.weight", "model.layers.x.mlp.up_proj.weight",
                "visual.blocks.0.attn.qkv.weight", "model.embed_tokens.bias", "token_embd.weight"})
            assertNull(HfTensorNames.toGguf(hf), hf);
        for (String g : new String[]{"rope_freqs.weight", "blk.0.attn_qkv.weight", "blk.00.ffn_up.weight", "model.norm.weight"})
            assertNull(HfTensorNames.toHf(g), g);
    }
}
