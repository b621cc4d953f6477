/* target32 - an ia32 process (pause() forever) that attach must refuse. */
	.text
	.globl _start
_start:
1:	movl $29, %eax		/* pause */
	int $0x80
	jmp 1b
