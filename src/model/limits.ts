// The kernel's oom_score_adj range (include/uapi/linux/oom.h: OOM_SCORE_ADJ_MIN -1000,
// OOM_SCORE_ADJ_MAX 1000). -1000 means "never OOM-kill this": the kernel never picks
// such a process, and neither does reapd.
export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;
