/* target32 - an ia32 process (pause() forever) that attach must refuse.
 * With any argument ("probe") it exits 0 at once: does this kernel run
 * ia32 binaries at all? */
	.text
	.globl _start
_start:
	cmpl $1, (%esp)		/* argc */
	jbe 1f
	movl $1, %eax		/* exit(0) */
	xorl %ebx, %ebx
	int $0x80
1:	movl $29, %eax		/* pause */
	int $0x80
	jmp 1b
