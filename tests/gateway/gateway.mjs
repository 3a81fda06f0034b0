// A real Wechaty puppet-service gateway on loopback, over PuppetMock, for wxbot's integration test.
// stdin: JSON lines {"cmd":"post","room":ID,"from":ID,"text":TEXT}; stdout: JSON lines of events.
// Stock PuppetMock ignores mention lists on send and returns no message id: overridden here.
import readline from 'node:readline'
import { PuppetServer } from 'wechaty-puppet-service'
import { PuppetMock, mock } from 'wechaty-puppet-mock'

const [port, token, mode] = process.argv.slice(2)
// mode 'scan': no login until told; a QR code to scan is shown first (a real account's first start)
const QR = 'https://login.weixin.qq.com/l/wxbot-test-qr'
const scanning = mode === 'scan'
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

// how sends behave (set by the test): ok; hold (never answer: a hung gateway); delay (accept at once,
// answer after `delayMs`: the window where a crash leaves a message sent but not marked); error (the
// puppet throws on every send: the client sees gRPC UNKNOWN)
const sends = { mode: 'ok', delayMs: 0 }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

class RecordingPuppet extends PuppetMock {
  // The Python client stops and restarts the remote puppet when it connects: log in again each start.
  async onStart () {
    await super.onStart()
    if (scanning) {
      setTimeout(() => this.emit('scan', { qrcode: QR, status: 2 }), 200)  // ScanStatus.Waiting
      return
    }
    setTimeout(() => { if (!this.isLoggedIn) this.mocker.login(this.mocker.ContactMock.load('wxid_bot')) }, 200)
  }

  async messageSendText (conversationId, text, mentionIdList) {
    if (sends.mode === 'hold') return new Promise(() => {})
    if (sends.mode === 'error') throw new Error('puppet failed to send')
    await super.messageSendText(conversationId, text)
    const id = `gw-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
    this.mocker.cacheMessagePayload.set(id, {
      id, type: 7, text, talkerId: this.currentUserId, roomId: conversationId, listenerId: '',
      mentionIdList: mentionIdList || [], timestamp: Date.now(),
    })
    emit({ event: 'sent', conversation: conversationId, text, mentions: mentionIdList || [] })
    if (sends.mode === 'delay') await sleep(sends.delayMs)
    return id
  }
}

const mocker = new mock.Mocker()
const puppet = new RecordingPuppet({ mocker })
const bot = mocker.createContact({ id: 'wxid_bot', name: '防控小助手' })
const wang = mocker.createContact({ id: 'wxid_wang_cuiyuan', name: '王经理' })
const li = mocker.createContact({ id: 'wxid_li_yangguang', name: '李主任' })
const room = mocker.createRoom({ id: 'property@chatroom', topic: '金山街道物业小区防控群',
  memberIdList: [bot.id, wang.id, li.id] })

const server = new PuppetServer({ endpoint: `127.0.0.1:${port}`, puppet, token, tls: { disable: true } })
await puppet.start()
await server.start()
if (!scanning) mocker.login(bot)
emit({ event: 'ready', port: Number(port) })

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', (line) => {
  const cmd = JSON.parse(line)
  if (cmd.cmd === 'post') {
    mocker.ContactMock.load(cmd.from).say(cmd.text).to(mocker.RoomMock.load(cmd.room))
    emit({ event: 'posted', room: cmd.room })
  } else if (cmd.cmd === 'typed') {
    // a message of any TypeScript MessageType (10 GroupNote, 16 Post), as a real puppet would emit it
    const id = `gw-in-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
    mocker.MessageMock.create({ id, type: cmd.type, text: cmd.text, talkerId: cmd.from, roomId: cmd.room,
      listenerId: '', mentionIdList: [], timestamp: Date.now() })
    puppet.emit('message', { messageId: id })
    emit({ event: 'posted', room: cmd.room, id })
  } else if (cmd.cmd === 'sends') {
    sends.mode = cmd.mode
    sends.delayMs = cmd.delayMs || 0
    emit({ event: 'sends', mode: sends.mode })
  } else if (cmd.cmd === 'scanned') {
    puppet.emit('scan', { qrcode: QR, status: 3 })  // ScanStatus.Scanned: confirm on the phone
    emit({ event: 'scanned' })
  } else if (cmd.cmd === 'login') {
    mocker.login(bot)
    emit({ event: 'login' })
  } else if (cmd.cmd === 'stop') {
    server.stop().then(() => puppet.stop()).then(() => process.exit(0))
  }
})
